"""End-to-end tests: the real bot against the local Discord, X, Bluesky and Mastodon (bot/sandbox), on the backend under test."""
