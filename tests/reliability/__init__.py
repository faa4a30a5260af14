"""The reliability suite: several bot processes on one PostgreSQL, killed, restarted and faulted (harness in tests/support/reliability)."""
