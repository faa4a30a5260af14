"""``python -m bot bench nudges``: a burst of due nudges through the real dispatcher, against the local
Discord with Discord's own limits (50 requests/s global, 5 messages per 5 s per channel).

Every recipient's DM channel is opened beforehand (as after onboarding), so the cap on opening new DMs
does not dominate. Reports the achieved message rate, measured from the local Discord's request log,
against Discord's global limit and against the pacer's configured rate, and the number of 429s.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from storage.ids import require_id
from storage.models import AnnounceStep, MatchStatus, NudgeKind, OnboardingStatus, PersonStatus

__all__ = ["DISCORD_GLOBAL_RATE", "bench_nudges"]

DISCORD_GLOBAL_RATE = 50.0


async def _seed(world: Any, count: int) -> None:
    """``count`` people in pairs, each with one due check-in and a known DM channel."""
    bot = world.bot
    await seed_checkins(bot.sessions, world.discord, bot.services.programmes.all()[0].id, world.clock.now(), count)


async def seed_checkins(sessions: Any, discord: Any, programme_id: int, now: Any, count: int) -> None:
    """``count`` people of programme ``programme_id`` in pairs, each with one check-in due at ``now`` and a
    known DM channel on the local Discord ``discord`` (written through ``sessions``)."""
    from storage.db import transaction
    from storage.models import Match, Nudge, OnboardingSession, Person, Profile

    users = [discord.create_user(f"Bench {i}") for i in range(count + count % 2)]
    async with transaction(sessions) as s:
        persons = [Person(programme_id=programme_id, discord_user_id=u.id, display_name=u.global_name or "x",
                          status=PersonStatus.ACTIVE, created_at=now, updated_at=now) for u in users]
        s.add_all(persons)
        await s.flush()
        for person, user in zip(persons, users, strict=True):
            dm = discord.state.open_dm(user.id)
            s.add(Profile(person_id=require_id(person), programme_id=programme_id, answers={"timezone": "UTC"},
                          created_at=now, updated_at=now))
            s.add(OnboardingSession(person_id=require_id(person), programme_id=programme_id, status=OnboardingStatus.COMPLETED,
                                    channel_id=dm.id, in_thread=False, last_activity_at=now, created_at=now))
        matches = [Match(programme_id=programme_id, mentor_person_id=require_id(persons[i]),
                         mentee_person_id=require_id(persons[i + 1]), status=MatchStatus.ACTIVE, announce_state=AnnounceStep.DONE,
                         started_at=now, created_at=now) for i in range(0, len(persons), 2)]
        s.add_all(matches)
        await s.flush()
        nudges = []
        for match in matches:
            for pid in (match.mentor_person_id, match.mentee_person_id):
                nudges.append(Nudge(programme_id=programme_id, match_id=match.id, person_id=pid, kind=NudgeKind.CHECKIN,
                                    step_key="week2-checkin", occurrence=1, due_at=now))
        s.add_all(nudges[:count])
        await s.flush()


async def bench_nudges(
    count: int = 5000,
    *,
    messages_per_second: float = 45.0,
    burst: int = 5,
    database_url: str | None = None,
) -> dict[str, float]:
    """Send ``count`` due nudges through one dispatch run; return rates, 429s and timings.

    ``allowed_rate`` is Discord's global limit (50/s); ``ratio`` = achieved / allowed_rate;
    ``pacer_ratio`` = achieved / the pacer's configured rate (the bot never tries to go faster).
    """
    if count < 2:
        raise ValueError("count must be at least 2")
    from bot.nudges.config import PacingConfig
    from bot.nudges.pacing import Pacer
    from bot.sandbox.world import SandboxWorld

    pacing = PacingConfig(messages_per_second=messages_per_second, burst=burst)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        # 09:00 UTC on a Monday: every recipient (UTC) is in daytime for the whole run
        world = SandboxWorld(database_url=url, extensions=["cogs.nudges"],
                             programme_overrides={"digest": {"enabled": False}})
        assert world.discord.limits.rate_limits, "the local Discord must enforce Discord's limits"
        await world.start()
        try:
            bot = world.bot
            bot.pacer = Pacer(pacing)
            bot.scheduler.pause()  # one dispatch run, driven here
            seeded = time.perf_counter()
            await _seed(world, count)
            seed_seconds = time.perf_counter() - seeded
            world.discord.log.clear()
            started = time.perf_counter()
            await bot.tick("nudge-dispatch")
            elapsed = time.perf_counter() - started
            log = world.discord.log
            posts = [r for r in log.requests("POST") if r.route.endswith("/messages") and r.status == 200]
            limited = len(log.requests(status=429))
            requests = len(log.rest)
        finally:
            await world.stop()
    times = sorted(r.t for r in posts)
    span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span > 0 else 0.0
    return {
        "nudges": float(count),
        "sent": float(len(posts)),
        "requests": float(requests),
        "rate_limited_429": float(limited),
        "seconds": elapsed,
        "seed_seconds": seed_seconds,
        "achieved_rate": achieved,
        "allowed_rate": DISCORD_GLOBAL_RATE,
        "ratio": achieved / DISCORD_GLOBAL_RATE,
        "pacer_rate": messages_per_second,
        "pacer_ratio": achieved / messages_per_second,
    }
