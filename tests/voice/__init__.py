"""Tests of programmes' voices (bot/voice): every message rendered within Discord's limits and in each programme's words."""
