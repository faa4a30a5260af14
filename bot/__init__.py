"""The application: the command line, the Bot subclass and the domain core (no discord import outside app.py,
runtime.py, sandbox/ and the cogs).

- ``cli/`` ``python -m bot`` and the ``mentorbot`` script, one module per sub-command; ``__main__`` its entry
- ``config``, ``config_errors`` the TOML config and environment secrets, and readable validation errors
- ``app`` the Bot subclass (loads the cogs, owns the periodic jobs); ``runtime`` wires settings into a running bot
- ``services/`` the workflows: storage + the pure core, returning plain results to the cogs (intake, onboarding,
  people, matching, nudges, organisers, stats, programmes)
- pure core, one package per feature: ``programme/`` (a programme as data: criteria, the typed profile),
  ``voice/`` (every message a programme sends, per preset), ``intake/`` (social sources, claim codes, invites),
  ``onboarding/`` (questions, validation, the interview state machine, profiles), ``matching/`` (the engine of
  MATCHING.md), ``nudges/`` (plans, quiet hours, pacing, answer rules), ``stats/`` (funnel and chart),
  ``doctor/`` (pre-start checks); ``clock``, ``timezones``, ``plural``, ``spreadsheet`` (every CSV), ``logs``
  small shared pieces
- ``sandbox/`` the local Discord, X, Bluesky and Mastodon the demo and the tests run against; ``demo/`` the demo
- ``bench_load``, ``bench_interactions`` benchmarks that need the whole bot (``python -m bot bench …``)
"""
