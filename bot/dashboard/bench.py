"""``python -m bot bench dashboard``: the people page of a programme of 50,000 people, server time per request
(the ``Server-Timing`` header the dashboard sends), against the same pages at 1,000 people and the 300 ms budget.

A real dashboard on a fresh SQLite database, people written in bulk, an organiser's
signed session; only the Discord role check is stubbed (it is a cache lookup in the bot)."""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.clock import SandboxClock
from bot.config import DashboardConfig, parse_config
from bot.dashboard.app import Dashboard, DashboardDeps
from bot.dashboard.cookies import SESSION_COOKIE, Session
from bot.dashboard.oauth import OAuthClient
from bot.services.programmes import Programme
from storage.db import session_factory, transaction
from storage.models import Person, Profile

BUDGET_MS = 300.0
NAMES = ["Ada", "Ben", "Cy", "Dee", "Efua", "Femi", "Gus", "Hana", "Ida", "Jo", "Kwame", "Lola", "Mo", "Nia"]
SURNAMES = ["Smith", "Mensah", "Okafor", "Jones", "Patel", "Nowak", "Silva", "Khan", "Brown", "Ito"]
PAGES = {
    "first page by name": "/p/bench/people",
    "page 500 by name": "/p/bench/people?page=500",
    "last page, newest first": "/p/bench/people?sort=joined&dir=desc&page=1000",
    "search 'okafor'": "/p/bench/people?q=okafor",
    "mentors, active, page 20": "/p/bench/people?role=mentor&status=active&page=20",
    "sorted by status, page 300": "/p/bench/people?sort=status&page=300",
}


class _Organiser:
    async def is_organiser(self, user_id: int, programme: Programme) -> bool:
        return True

    async def member_names(self, programme: Programme, user_ids: set[int]) -> dict[int, str]:
        return {}

    async def announce_pairs(self) -> None:
        return None

    async def tell_waiting(self, programme: Programme) -> None:
        return None


async def _fill(sessions: Any, programme_id: int, people: int, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = ["active"] * 6 + ["onboarding", "joined", "paused", "left"]
    for first in range(0, people, 5_000):
        chunk = range(first, min(people, first + 5_000))
        async with transaction(sessions) as session:
            conn = await session.connection()
            rows = [{"programme_id": programme_id, "discord_user_id": 10**17 + i,
                     "display_name": f"{rng.choice(NAMES)} {rng.choice(SURNAMES)} {i}", "status": rng.choice(statuses),
                     "dms_closed": False, "created_at": start + timedelta(minutes=i), "updated_at": start}
                    for i in chunk]
            await conn.execute(Person.__table__.insert(), rows)  # type: ignore[attr-defined]
            ids = (await conn.execute(Person.__table__.select().with_only_columns(  # type: ignore[attr-defined]
                Person.__table__.c.id).where(Person.__table__.c.discord_user_id >= 10**17 + first)  # type: ignore[attr-defined]
                .order_by(Person.__table__.c.id))).scalars().all()  # type: ignore[attr-defined]
            await conn.execute(Profile.__table__.insert(), [  # type: ignore[attr-defined]
                {"person_id": pid, "programme_id": programme_id, "version": 1, "created_at": start,
                 "updated_at": start, "consent_at": start,
                 "answers": {"role": "mentor" if rng.random() < 0.3 else "mentee", "phase": ["secondary"]}}
                for pid in ids])


async def _measure(url: str, cookie: str, rounds: int) -> tuple[float, float, int, float]:
    """(median, worst) server milliseconds of ``rounds`` requests, the page's size in bytes, and the median
    CPU milliseconds the server spent (the wall time also holds waits for a busy machine's cores)."""
    times: list[float] = []
    cpus: list[float] = []
    size = 0
    async with aiohttp.ClientSession(cookies={SESSION_COOKIE: cookie}) as http:
        for _ in range(rounds):
            async with http.get(url, allow_redirects=False) as resp:
                body = await resp.read()
                assert resp.status == 200, (url, resp.status, body[:300])
                size = len(body)
                timing = dict(part.strip().split(";dur=") for part in resp.headers["Server-Timing"].split(","))
                times.append(float(timing["app"]))
                cpus.append(float(timing["cpu"]))
    return statistics.median(times), max(times), size, statistics.median(cpus)


async def _run_one(people: int, rounds: int, seed: int) -> dict[str, tuple[float, float, int, float]]:
    from bot.runtime import open_database
    from bot.services import build_services

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        settings = parse_config({"programme": [{"key": "bench", "name": "Bench", "guild_id": 1}]})
        engine = await open_database(url)
        try:
            sessions = session_factory(engine)
            clock = SandboxClock(datetime(2026, 9, 7, tzinfo=UTC))
            services = build_services(settings=settings, sessions=sessions, clock=clock)
            await services.programmes.load()
            programme = services.programmes.get("bench")
            assert programme is not None
            await _fill(sessions, programme.id, people, seed)
            config = DashboardConfig(enabled=True, public_url="http://127.0.0.1", port=0)
            secret = "bench-" + "x" * 40
            dash = Dashboard(DashboardDeps(services, config, _Organiser(),
                                           OAuthClient("http://127.0.0.1:9", 1, "unused", "http://127.0.0.1/cb"), secret))
            base = await dash.start()
            try:
                now = dash.deps.wall_clock.now()
                cookie = dash.signer.sign("session", Session.new(1, "Bench", now, 1).dump())
                return {name: await _measure(base + path, cookie, rounds) for name, path in PAGES.items()}
            finally:
                await dash.stop()
        finally:
            await engine.dispose()


def bench_dashboard(*, people: int = 50_000, baseline: int = 1_000, rounds: int = 7, seed: int = 0) -> list[dict[str, object]]:
    """Rows of: page, median and worst server ms at ``people``, median at ``baseline``, ratio, within budget."""
    started = time.perf_counter()
    small = asyncio.run(_run_one(baseline, rounds, seed))
    large = asyncio.run(_run_one(people, rounds, seed))
    rows: list[dict[str, object]] = []
    for name in PAGES:
        med, worst, size, cpu = large[name]
        base_med = small[name][0]
        rows.append({"page": name, f"median ms ({people:,})": round(med, 1), "worst ms": round(worst, 1),
                     "cpu ms": round(cpu, 1),
                     f"median ms ({baseline:,})": round(base_med, 1),
                     "ratio": round(med / base_med, 2) if base_med else None, "KB": round(size / 1024, 1),
                     f"median under {BUDGET_MS:.0f} ms": "yes" if med < BUDGET_MS else "NO"})
    rows.append({"page": f"(whole run {time.perf_counter() - started:.0f} s)"})
    return rows
