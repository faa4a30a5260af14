"""The reliability harness: a cluster of real bot processes on one sandbox and one PostgreSQL (``cluster``),
people who retry as people do (``personas``), a whole programme played against the cluster (``programme``) and
the invariants checked afterwards (``invariants``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.database import BACKEND, PG_URL

ON_POSTGRES = BACKEND == "postgresql" and bool(PG_URL)
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="the reliability suite needs MENTORBOT_TEST_BACKEND=postgresql and TEST_DATABASE_URL"
)


@dataclass
class Database:
    url: str
    schema: str | None
    engine: AsyncEngine
