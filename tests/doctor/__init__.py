"""Tests of the pre-start doctor (bot/doctor): Discord server and platform credential checks."""
