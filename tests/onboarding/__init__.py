"""Tests of onboarding's pure core (bot/onboarding): questions, validation, the interview flow, time zones."""
