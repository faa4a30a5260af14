"""Fuzz: hypothesis draws interleavings of joins, answers, whole interviews, (stale) clicks, /leave, organiser
commands and restarts (crashes) of the real bot; the invariants are checked after every step.

The plan alone decides what is tried: a person answers a question and waits for the bot's next one (as a person
does), so a loaded machine makes the run slower, never a different run. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox.discord.actors import walk_components
from bot.sandbox.interview import (
    answer_one,
    conversation_channel,
    latest_bot_message,
    question_key,
    wait_for_reply,
)
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from tests.support.cohort import cohort_answers
from tests.support.database import BACKEND, PG_URL, create_test_schema, drop_test_schema
from tests.support.reliability.invariants import _rows, check_nudges, check_pairs, check_profiles
from tests.support.reliability.personas import FINISHED, FLAKY

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(240)]
EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "25"))
PEOPLE = 5
ANSWERS = [a for _, a in cohort_answers(2, 3, seed=4)]  # people 0 and 1 are mentors, 2 to 4 mentees
REPLY_S = 5.0  # how long a person waits for the bot's next message before giving up on this step
WELCOME_S = 30.0  # how long, at the end of a plan, everyone who joined may still wait for their welcome
EVERYTHING = 99  # answers enough for any interview: to the summary, then Confirm

person = st.integers(0, PEOPLE - 1)
step = st.one_of(
    st.tuples(st.just("join"), person),
    st.tuples(st.just("answer"), person, st.integers(1, 4)),  # a few questions, then the person stops
    st.tuples(st.just("interview"), person),  # join (unless already talking to the bot) and answer to the end
    st.tuples(st.just("stale_click"), person),
    st.tuples(st.just("leave"), person),
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
        self.finished: dict[int, dict[str, Any]] = {}  # people the bot told their profile is saved (and not since left)
        self.joined: set[int] = set()  # people of this plan who joined the server (their welcome is on its way)
        self.leaving: set[int] = set()  # people of this plan who used /leave (whether it went through or not)

    def new_people(self) -> None:
        batch = next(self.names)
        self.people = [self.world.person(f"Fuzz {batch}-{i}") for i in range(PEOPLE)]
        self.joined.clear()
        self.leaving.clear()

    async def do(self, action: tuple[Any, ...]) -> None:
        kind, guild = action[0], self.world.guild
        assert guild is not None
        try:
            if kind == "join":
                self.joined.add(self.people[action[1]].id)
                await self.people[action[1]].join(guild)
            elif kind == "answer":
                await self.answer(self.people[action[1]], action[1], action[2])
            elif kind == "interview":
                await self.interview(self.people[action[1]], action[1])
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

    async def interview(self, p: Persona, i: int) -> None:
        """The whole interview: join if the bot has not spoken to this person yet, then answer to the end."""
        if p.id not in self.joined:
            assert self.world.guild is not None
            self.joined.add(p.id)
            await p.join(self.world.guild)
        await self.answer(p, i, EVERYTHING)

    async def answer(self, p: Persona, i: int, times: int) -> None:
        """Answer the question on screen, wait for the next one, ``times`` times (Confirm on the summary)."""
        if p.id in self.joined and conversation_channel(p) is None:  # the welcome is on its way: wait for it
            await self.world.discord.state.wait_for(lambda: conversation_channel(p), REPLY_S)
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
                    reply = await wait_for_reply(p, channel_id, msg.id, REPLY_S)
                    if any(f in reply.content for f in FINISHED):
                        self.finished[p.id] = ANSWERS[i]
                return
            q = next((q for q in self.questions if q.key == key), None)
            if q is None:
                return
            answered = await answer_one(p, msg, q, ANSWERS[i][q.key], channel_id)
            if answered is None or not answered.messages:  # a typed answer, or a click answered in a new message
                await wait_for_reply(p, channel_id, msg.id, REPLY_S)

    async def stale_click(self, p: Persona) -> None:
        for msg in p.dms()[:-1][::-1]:  # an old message's button, pressed late
            button = next((c for c in walk_components(msg.components) if c.get("type") == 2 and not c.get("disabled")),
                          None)
            if button is not None:
                await p.click(str(button["custom_id"]), message=msg)
                return

    async def leave(self, p: Persona) -> None:
        self.leaving.add(p.id)
        self.finished.pop(p.id, None)  # from here on, whether their profile exists depends on a crash's timing
        result = await p.slash("leave", guild=self.world.guild, timeout=10)
        button = next((c for m in result.messages for c in walk_components(m.components)
                       if str(c.get("custom_id", "")).startswith("leave:")), None)
        if button is not None:
            await p.click(str(button["custom_id"]), timeout=10)

    async def unwelcomed(self) -> list[str]:
        """Everyone of this plan who joined (and did not /leave) is welcomed, however the restarts fell: late
        maybe (the pass after a restart), never lost. Waits a while for the last ones."""
        waiting = [p for p in self.people if p.id in self.joined and p.id not in self.leaving]
        try:
            await self.world.discord.state.wait_for(
                lambda: all(conversation_channel(p) is not None for p in waiting), WELCOME_S)
        except TimeoutError:
            pass
        return [f"{p.name} joined but was never welcomed" for p in waiting if conversation_channel(p) is None]

    async def problems(self) -> list[str]:
        engine = self.world.engine
        assert engine is not None
        out = await check_profiles(engine, self.finished)
        out += await check_pairs_started(engine, self.world)
        out += await check_nudges(engine, self.world.discord, self.world.clock.now(), settled=False)
        for (uid,) in await _rows(engine, "SELECT p.discord_user_id FROM person p JOIN profile pr ON pr.person_id = p.id "
                                          "WHERE p.status = 'left'"):
            out.append(f"{uid} left but still has a profile")
        return out


async def check_pairs_started(engine: Any, world: SandboxWorld) -> list[str]:
    """As check_pairs, but an announcement a crash interrupted may not be finished yet: never two of anything."""
    return [p for p in await check_pairs(engine, world.discord) if " has 0 " not in p and " 0 pairing" not in p]


async def _counts(world: SandboxWorld) -> dict[str, int]:
    assert world.engine is not None
    return {t: (await _rows(world.engine, f"SELECT count(*) FROM {t}"))[0][0] for t in ("person", "profile", "match")}


def test_random_interleavings_with_restarts_keep_the_invariants(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()

    async def setup() -> tuple[SandboxWorld, str | None]:
        if BACKEND == "postgresql":
            schema = await create_test_schema()
            world = SandboxWorld(database_url=PG_URL, schema=schema)
        else:
            schema, world = None, SandboxWorld(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
        await world.start()
        return world, schema

    world, schema = loop.run_until_complete(setup())
    fuzz = Fuzz(world)

    async def scenario(plan: list[list[tuple[Any, ...]]]) -> None:
        fuzz.new_people()
        for batch in plan:
            await asyncio.gather(*(fuzz.do(a) for a in batch))
            await asyncio.sleep(0.1)
            problems = await fuzz.problems()
            assert not problems, f"after {batch}: {problems}"
        unwelcomed = await fuzz.unwelcomed()
        assert not unwelcomed, f"plan {plan}: {unwelcomed}"

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(steps)
    def run(plan: list[list[tuple[Any, ...]]]) -> None:
        loop.run_until_complete(scenario(plan))

    try:
        run()
        counts = loop.run_until_complete(_counts(world))
        # the fuzz reached what it is about: finished interviews (the bot said so) and pairs made of them
        assert fuzz.finished and counts["profile"] > 0 and counts["match"] > 0, (counts, len(fuzz.finished))
        print(f"\nfuzz: {EXAMPLES} plans, {counts}, {len(fuzz.finished)} told their profile is saved")
    finally:
        async def teardown() -> None:
            await world.stop()
            await drop_test_schema(schema)

        loop.run_until_complete(teardown())
        loop.close()
