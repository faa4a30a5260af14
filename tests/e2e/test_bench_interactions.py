"""`python -m bot bench interactions` measures every press: people pressing check-in buttons and answering the
interview at once each get a first response time, and the ones after 3 s count as having missed Discord's window."""

from __future__ import annotations

import math

import pytest

from bot.bench_interactions import bench_interactions
from tests.support.database import BACKEND, PG_URL

pytestmark = pytest.mark.e2e


async def test_the_interactions_bench_times_every_check_in_and_interview_press() -> None:
    result = await bench_interactions(16, database_url=PG_URL if BACKEND == "postgresql" else None, timeout=60)
    assert (result["check_ins"], result["interview_answers"]) == (8, 8)
    assert result["database"] == BACKEND
    for prefix in ("", "check-in_", "interview_"):
        p50, p99, worst = (result[f"{prefix}first_response_{q}_ms"] for q in ("p50", "p99", "max"))
        assert 0 < p50 <= p99 <= worst, (prefix, p50, p99, worst)
        assert math.isfinite(worst), "every press is answered, late or not"
        assert (result[f"{prefix}missed_3s_window"] == 0) == (worst <= 3000)
    assert result["p99_within_300ms_target"] == (result["first_response_p99_ms"] <= 300)
