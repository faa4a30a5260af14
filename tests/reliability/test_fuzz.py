"""Fuzz: hypothesis draws interleavings of joins, answers, (stale) clicks, /leave, organiser commands and
restarts (crashes) of the real bot; the invariants are checked after every step."""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox.discord.actors import walk_components
from bot.sandbox.interview import answer_one, conversation_channel, latest_bot_message, question_key
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from tests.support.cohort import cohort_answers
from tests.support.database import PG_URL
from tests.support.reliability import ON_POSTGRES, needs_postgres
from tests.support.reliability.invariants import check_nudges, check_pairs, check_profiles
from tests.support.reliability.personas import FLAKY

pytestmark = [pytest.mark.reliability, needs_postgres, pytest.mark.timeout(240)]
EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "25"))
PEOPLE = 5
ANSWERS = [a for _, a in cohort_answers(2, 3, seed=4)]

step = st.one_of(
    st.tuples(st.just("join"), st.integers(0, PEOPLE - 1)),
    st.tuples(st.just("answer"), st.integers(0, PEOPLE - 1), st.integers(1, 12)),
    st.tuples(st.just("stale_click"), st.integers(0, PEOPLE - 1)),
    st.tuples(st.just("leave"), st.integers(0, PEOPLE - 1)),
    st.tuples(st.just("match"),),
    st.tuples(st.just("restart"),),
)
# a step is one action, or several started together (their events interleave in the bot)
steps = st.lists(st.lists(step, min_size=1, max_size=3), min_size=2, max_size=7)


class Fuzz:
    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.names = itertools.count()
        self.people: list[Persona] = []
        self.questions = world.bot.services.programmes.all()[0].questions

    def new_people(self) -> None:
        batch = next(self.names)
        self.people = [self.world.person(f"Fuzz {batch}-{i}") for i in range(PEOPLE)]

    async def do(self, action: tuple[Any, ...]) -> None:
        kind, guild = action[0], self.world.guild
        assert guild is not None
        try:
            if kind == "join":
                await self.people[action[1]].join(guild)
            elif kind == "answer":
                await self.answer(self.people[action[1]], action[1], action[2])
            elif kind == "stale_click":
                await self.stale_click(self.people[action[1]])
            elif kind == "leave":
                await self.leave(self.people[action[1]])
            elif kind == "match":
                olu = self.world.organiser
                assert olu is not None
                await olu.slash("match", "preview", guild=guild, timeout=20)
                await olu.slash("match", "confirm", guild=guild, timeout=20)
            elif kind == "restart":
                await self.world.restart(crash=True)
        except FLAKY:
            pass  # an action lost to a crash (or not possible now) is what people experience; invariants decide

    async def answer(self, p: Persona, i: int, times: int) -> None:
        for _ in range(times):
            channel_id = conversation_channel(p)
            msg = latest_bot_message(p, channel_id) if channel_id else None
            if msg is None or channel_id is None:
                return
            key = question_key(msg, self.questions)
            if key == "summary":
                ok = next((c for c in walk_components(msg.components) if str(c.get("custom_id", "")).startswith("onbok:")),
                          None)
                if ok is not None:
                    await p.click(str(ok["custom_id"]), message=msg)
                return
            q = next((q for q in self.questions if q.key == key), None)
            if q is None:
                return
            await answer_one(p, msg, q, ANSWERS[i][q.key], channel_id)
            await asyncio.sleep(0.05)

    async def stale_click(self, p: Persona) -> None:
        for msg in p.dms()[:-1][::-1]:  # an old message's button, pressed late
            button = next((c for c in walk_components(msg.components) if c.get("type") == 2 and not c.get("disabled")),
                          None)
            if button is not None:
                await p.click(str(button["custom_id"]), message=msg)
                return

    async def leave(self, p: Persona) -> None:
        result = await p.slash("leave", guild=self.world.guild, timeout=10)
        button = next((c for m in result.messages for c in walk_components(m.components)
                       if str(c.get("custom_id", "")).startswith("leave:")), None)
        if button is not None:
            await p.click(str(button["custom_id"]), timeout=10)

    async def problems(self) -> list[str]:
        engine = self.world.engine
        assert engine is not None
        out = await check_profiles(engine, {})
        out += await check_pairs_started(engine, self.world)
        out += await check_nudges(engine, self.world.discord, self.world.clock.now(), settled=False)
        from tests.support.reliability.invariants import _rows

        for (uid,) in await _rows(engine, "SELECT p.discord_user_id FROM person p JOIN profile pr ON pr.person_id = p.id "
                                          "WHERE p.status = 'left'"):
            out.append(f"{uid} left but still has a profile")
        return out


async def check_pairs_started(engine: Any, world: SandboxWorld) -> list[str]:
    """As check_pairs, but an announcement a crash interrupted may not be finished yet: never two of anything."""
    return [p for p in await check_pairs(engine, world.discord) if " has 0 " not in p and " 0 pairing" not in p]


async def _counts(world: SandboxWorld) -> dict[str, int]:
    from tests.support.reliability.invariants import _rows

    assert world.engine is not None
    return {t: (await _rows(world.engine, f"SELECT count(*) FROM {t}"))[0][0] for t in ("person", "profile", "match")}


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only")
def test_random_interleavings_with_restarts_keep_the_invariants() -> None:
    import uuid

    from sqlalchemy import text

    from storage.db import create_engine

    loop = asyncio.new_event_loop()
    schema = f"t_{uuid.uuid4().hex[:16]}"

    async def setup() -> tuple[SandboxWorld, Fuzz]:
        admin = create_engine(PG_URL)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        world = SandboxWorld(database_url=PG_URL, schema=schema)
        await world.start()
        return world, Fuzz(world)

    world, fuzz = loop.run_until_complete(setup())

    async def scenario(plan: list[list[tuple[Any, ...]]]) -> None:
        fuzz.new_people()
        for batch in plan:
            await asyncio.gather(*(fuzz.do(a) for a in batch))
            await asyncio.sleep(0.1)
            problems = await fuzz.problems()
            assert not problems, f"after {batch}: {problems}"

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(steps)
    def run(plan: list[list[tuple[Any, ...]]]) -> None:
        loop.run_until_complete(scenario(plan))

    try:
        run()
        counts = loop.run_until_complete(_counts(world))
        assert counts["person"] > 0 and counts["profile"] > 0, counts  # the fuzz reached finished interviews
    finally:
        async def teardown() -> None:
            await world.stop()
            admin = create_engine(PG_URL)
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await admin.dispose()

        loop.run_until_complete(teardown())
        loop.close()
