"""Test helpers shared across the suite (every helper module lives here; test folders hold only tests and
their conftest fixtures):

- ``database``: the backend under test, a fresh migrated database or PostgreSQL schema per test
- ``world``: the real bot in a sandbox world (local Discord, X, Bluesky, Mastodon)
- ``personas``, ``cohort``: interview answers per preset; a small cohort onboarded through the real interview
- ``intake``: the X hashtag scenario and what the bot stored, replied and queued for the organisers
- ``sources``: start time, recorded backoff sleeps and source builders for the intake-source tests
- ``pairs``: matched pairs written straight to storage for the nudge tests
- ``organisers``: slash commands with options and files, bulk people, organiser-refusal text
- ``matching``: profile builders and an independent dense solver for the matching engine
- ``questions``, ``virtual_time``, ``minibot``: a question by key, a virtual monotonic clock, a small bot
  for the sandbox tests
- ``reliability``: the cluster harness of the reliability suite (processes, personas, programme, invariants)
"""
