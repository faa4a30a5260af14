"""`python -m bot bench interactions` measures every press: people pressing check-in buttons and answering the
interview at once each get a first response time, and the ones after 3 s count as having missed Discord's window.
The bot runs in its own process, so its CPU per interaction is its own, apart from the local Discord's."""

from __future__ import annotations

import math

import pytest

from bot.bench_interactions import arrival_offsets, bench_interactions
from tests.support.database import BACKEND, PG_URL

pytestmark = pytest.mark.e2e


@pytest.mark.slow  # started early, beside the other long tests (tests/conftest.py)
async def test_the_interactions_bench_times_every_check_in_and_interview_press_of_a_bot_in_its_own_process() -> None:
    result = await bench_interactions(16, database_url=PG_URL if BACKEND == "postgresql" else None, timeout=60)
    assert (result["check_ins"], result["interview_answers"]) == (8, 8)
    assert result["database"] == BACKEND
    for prefix in ("", "check-in_", "interview_"):
        p50, p99, worst = (result[f"{prefix}first_response_{q}_ms"] for q in ("p50", "p99", "max"))
        assert 0 < p50 <= p99 <= worst, (prefix, p50, p99, worst)
        assert math.isfinite(worst), "every press is answered, late or not"
        assert (result[f"{prefix}missed_3s_window"] == 0) == (worst <= 3000)
    assert result["p99_within_300ms_target"] == (result["first_response_p99_ms"] <= 300)
    # the bot's own process did the work (its answers after the acknowledgements cost more than the acks)
    assert 0 < result["bot_burst_cpu_ms_per_interaction"] <= result["bot_cpu_ms_per_interaction"]
    assert result["local_discord_cpu_ms_per_interaction"] > 0
    assert 0 < result["local_discord_burst_cpu_ms"]
    # everyone got the bot's answer (next question, check-in reply), after its acknowledgement
    assert result["first_response_p50_ms"] < result["answer_p50_ms"] <= result["answer_p99_ms"] <= result["answer_max_ms"]
    assert math.isfinite(result["answer_max_ms"])
    assert result["bot_runtime"] == "uvloop + orjson", "a bot process runs on uvloop and parses JSON with orjson"


def test_the_realistic_burst_spreads_the_presses_over_the_window_and_the_worst_case_puts_them_in_one_instant() -> None:
    assert arrival_offsets(5, 0) == [0.0] * 5
    burst = arrival_offsets(1000, 2.0)
    assert burst == sorted(burst) and 0 <= burst[0] and burst[-1] <= 2.0
    assert 0.3 < sum(1 for t in burst if t < 1.0) / 1000 < 0.7  # spread, not bunched at the start
    assert arrival_offsets(1000, 2.0) == burst  # the same arrivals every run
