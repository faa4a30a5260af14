"""The test suite, one folder per area of the code it tests (``config``, ``programme``, ``voice``, ``intake``,
``onboarding``, ``matching``, ``nudges``, ``organisers``, ``stats``, ``storage``, ``sandbox``, ``doctor``), plus ``e2e/`` (the real bot against
the local Discord and X), ``reliability/`` (several bot processes on PostgreSQL, killed and faulted) and
``support/`` (every shared helper). ``conftest`` picks the backend (``MENTORBOT_TEST_BACKEND``) and gives each
test a fresh database.
"""
