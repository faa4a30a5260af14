"""Persistence: SQLModel tables, the async engine and sessions, query functions, Alembic migrations.

- ``models/`` the tables, one module per aggregate (people, intake, matching, nudges, audit, security), and the statuses
  and kinds their rows take as StrEnums (``storage.models.MatchStatus``, ``NudgeStatus``, …)
- ``queries/`` keyword-only query functions, one module per table or aggregate; nothing else writes SQL
- ``db`` the engine (SQLite or PostgreSQL), the session factory, ``transaction``, schema upgrades
- ``types`` column types (aware timestamps, enum-valued text); ``ids`` ``require_id`` for rows' primary keys
- ``backup`` the embedded SQLite database's backups (``db backup`` / ``db restore``)
- ``migrations/`` Alembic environment and versions (run by ``db upgrade`` and on start)
"""
