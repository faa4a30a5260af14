"""Tests of statistics and the stats chart (bot/stats)."""
