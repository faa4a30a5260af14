"""Alembic migrations (``env.py``, ``versions/``); run by :func:`storage.db.upgrade`, on SQLite and PostgreSQL."""
