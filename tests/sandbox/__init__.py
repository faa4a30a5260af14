"""Tests of the local Discord (bot/sandbox/discord) with a small bot: channels, interactions, faults, shards."""
