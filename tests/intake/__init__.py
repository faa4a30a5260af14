"""Tests of intake's pure core and sources (bot/intake) against the local X, Bluesky and Mastodon."""
