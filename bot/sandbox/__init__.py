"""Local stand-ins for the platforms, so the demo and the tests run offline against the real client libraries:
``discord/`` (REST + gateway for discord.py), ``x/``, ``bluesky/``, ``mastodon/`` (their HTTP APIs for tweepy,
atproto and Mastodon.py), ``common/`` (what those share). ``world`` sets up a whole world with the real bot;
``people`` and ``interview`` are simulated people; ``serve`` and ``process`` run the bot as separate OS
processes against one served sandbox; ``connect`` is the one place that points discord.py at it.
"""
