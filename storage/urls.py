"""Database URLs as people write them, and which backend they name: plain strings, nothing imported (the
config and the ``db`` commands read them without loading SQLAlchemy or Alembic)."""

from __future__ import annotations

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./mentorbot.db"


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``, ``sqlite:///``) and use async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def backend_name(url: str) -> str:
    """``sqlite`` or ``postgresql``."""
    return "sqlite" if normalise_url(url).startswith("sqlite") else "postgresql"

