"""Tests of nudges: plans, quiet hours, pacing, answer rules (bot/nudges) and the nudge service (bot/services/nudges)."""
