"""A whole programme played against a cluster: X posts, joins and interviews, a matching round, weeks of
nudges — the pieces the reliability tests combine (with kills, a PostgreSQL restart or faults)."""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import parse_config
from bot.sandbox.people import Persona
from bot.services.nudges import NudgeService
from bot.services.programmes import ProgrammeRegistry
from tests.support.cohort import cohort_answers
from tests.support.reliability.cluster import STALE_AFTER, Cluster
from tests.support.reliability.invariants import check_nudges, check_pairs, check_profiles, check_x_replies
from tests.support.reliability.personas import NudgeAnswerer, match_round, resilient_interview


@dataclass
class Run:
    cluster: Cluster
    rng: random.Random
    personas: dict[int, Persona] = field(default_factory=dict)
    finished: dict[int, dict[str, Any]] = field(default_factory=dict)
    mentioned_posts: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def server(self) -> Any:
        return self.cluster.server

    def post_on_x(self, i: int, *, mention: bool) -> None:
        x = self.server.x
        text = f"Looking for a mentor in maths! #EduMentoring {'@' + x.bot_account.username if mention else ''}"
        post_id = x.add_post(text.strip(), f"teacher{i}", f"Teacher {i}")
        if mention:
            self.mentioned_posts.append(post_id)

    async def onboard(self, n_mentors: int, n_mentees: int, *, concurrency: int = 24, deadline: float = 150.0) -> None:
        t0 = time.monotonic()
        guild = self.server.guild
        registry = ProgrammeRegistry(parse_config(self.server.bot_config()), _sessions(self.cluster))
        questions = (await registry.load())[0].questions
        sem = asyncio.Semaphore(concurrency)

        async def one(name: str, answers: dict[str, Any]) -> None:
            async with sem:
                persona = self.server.discord.person(name)
                self.personas[persona.id] = persona
                await persona.join(guild)
                if await resilient_interview(persona, questions, answers, guild, deadline=deadline):
                    self.finished[persona.id] = answers

        await asyncio.gather(*(one(n, a) for n, a in cohort_answers(n_mentors, n_mentees, seed=self.rng.randint(0, 99))))
        self.timings["onboarding_s"] = time.monotonic() - t0

    async def match_and_announce(self, timeout: float = 120.0) -> None:  # noqa: ASYNC109
        t0 = time.monotonic()
        await match_round(self.server.organiser, self.server.guild)
        deadline = time.monotonic() + timeout
        while await self.cluster.scalar("SELECT count(*) FROM match WHERE announce_state <> 'done'"):
            if time.monotonic() > deadline:
                raise TimeoutError("announcements did not finish")
            await asyncio.sleep(0.3)
        await self.plan_nudges()
        self.timings["matching_s"] = time.monotonic() - t0

    async def plan_nudges(self) -> None:
        """Plan the nudges of announced matches that have none yet. The nudges cog should do this when a
        pair is announced; until it does, this does it (a no-op once it does: planning is idempotent)."""
        unplanned = await self.cluster.rows(
            "SELECT m.id FROM match m WHERE m.status = 'active' AND NOT EXISTS "
            "(SELECT 1 FROM nudge n WHERE n.match_id = m.id)")
        if not unplanned:
            return
        registry = ProgrammeRegistry(parse_config(self.server.bot_config()), _sessions(self.cluster))
        await registry.load()
        service = NudgeService(registry, _sessions(self.cluster), self.server.clock)
        for (mid,) in unplanned:
            await service.plan_match(mid)

    async def weeks(self, days: int, *, step: timedelta = timedelta(days=1), x_posts_every: int = 0) -> None:
        """``days`` of the programme, a day at a time (09:00 each day): whatever fell due is sent, then answered."""
        t0 = time.monotonic()
        answerer = NudgeAnswerer(self.personas, self.rng)
        steps = int(timedelta(days=days) / step)
        for i in range(steps):
            await self.cluster.advance(step)
            await self.cluster.settle_nudges()
            await answerer.answer_new()
            if x_posts_every and i % x_posts_every == 0:  # (X search covers 7 days: not while time flies)
                self.post_on_x(1000 + i, mention=i % 2 == 0)
        self.timings["weeks_s"] = time.monotonic() - t0
        self.timings["nudge_clicks"] = answerer.clicks

    async def finish(self, *, stale_periods: int = 3) -> None:
        """Every process up; claims go stale and are taken over; everything due is sent.

        A claim a live process gave up on (its send failed and the failure could not be recorded) goes stale
        only as the clock moves: the clock moves past the stale period a few times, each time waiting until the
        stale claims are taken over. One still claimed after ``stale_periods`` of them is lost (check_nudges)."""
        await self.cluster.ensure_all_running()
        for _ in range(stale_periods):
            await self.cluster.advance(STALE_AFTER * 2)
            # patient: the clock moves again only for claims nobody works on any more (a takeover of a send
            # still in flight, past Discord's nonce window, could send it twice)
            await self.cluster.settle_nudges(timeout=180, abandoned_after=30.0)
            if not await self.cluster.scalar("SELECT count(*) FROM nudge WHERE status = 'claimed'"):
                break
        deadline = time.monotonic() + 60
        engine = self.cluster.db.engine
        for _ in range(120):  # the X poller runs every 15 s in whichever process holds its lock
            if time.monotonic() > deadline or not await check_x_replies(engine, self.server.x, self.mentioned_posts):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)  # the last record_sent writes

    async def problems(self) -> list[str]:
        engine = self.cluster.db.engine
        discord = self.server.discord
        out = await check_profiles(engine, self.finished)
        out += await check_pairs(engine, discord)
        out += await check_nudges(engine, discord, self.server.clock.now())
        out += await check_x_replies(engine, self.server.x, self.mentioned_posts)
        return out


    async def explain(self, problems: list[str]) -> str:
        """The story of the nudges named in ``problems`` (rows, processes, log lines): see Cluster.explain_nudges."""
        ids = sorted({int(m) for p in problems for m in re.findall(r"^nudge (\d+)", p)})
        return await self.cluster.explain_nudges(ids[:20])


def _sessions(cluster: Cluster) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(cluster.db.engine, class_=AsyncSession, expire_on_commit=False)
