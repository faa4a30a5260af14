"""Six simulated weeks of a 40-person programme, a crash in the middle of a dispatch batch, two bot
processes on one PostgreSQL, and a burst under Discord's rate limits."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from bot.nudges.bench import bench_nudges
from bot.nudges.quiet import is_quiet
from bot.runtime import build_bot, open_database
from bot.sandbox.connect import sandbox_mentorbot_kwargs
from bot.sandbox.discord.runner import BotRunner
from bot.sandbox.world import SandboxWorld
from storage.models import Nudge
from storage.queries import nudges as nq
from tests.support.database import BACKEND, drop_test_schema
from tests.support.pairs import Pair, add_member, add_pair, make_pair, organiser_posts
from tests.support.world import make_world

pytestmark = pytest.mark.e2e

ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles",
         "Asia/Kolkata", "Pacific/Auckland", "UTC", "Africa/Lagos", "America/Sao_Paulo"]


async def _all_nudges(world: SandboxWorld) -> list[Nudge]:
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        return await nq.nudges_in_programme(session=s, programme_id=programme.id)


@pytest.mark.slow  # started early, beside the other long tests (tests/conftest.py)
async def test_six_weeks_of_a_forty_person_programme(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=["cogs.nudges"],
                                     # a programme that chases two "not yet"s (#EduMentoring's own voice never does)
                                     programme_overrides={"cohort_end": "2026-10-17",
                                                          "voice": {"not_yet_escalate_after": 2}})
    try:
        world.bot.scheduler.pause()  # the test drives the dispatch job with the sandbox clock
        pairs: list[Pair] = []
        for i in range(20):
            mentor = await add_member(world, f"Mentor {i}", ZONES[i % len(ZONES)])
            mentee = await add_member(world, f"Mentee {i}", ZONES[(i * 3 + 1) % len(ZONES)])
            pairs.append(await add_pair(world, mentor, mentee, started_at=world.clock.now() + timedelta(hours=i)))
        for pair in pairs:
            await world.bot.services.nudges.plan_match(pair.match_id)
        planned = [n for n in await _all_nudges(world) if n.kind != "digest"]
        assert len(planned) == 20 * 2 * 4  # day 3, day 14, day 30, cohort feedback
        # pairs 0-9 have met; 10-12 keep answering "not yet"; 13 needs help once, then met; 14-19 never answer
        state = world.discord.state
        answered_pairs: set[int] = set()
        last_id = 0

        async def react() -> None:
            nonlocal last_id
            new = sorted((m for m in state.messages.values() if m.id > last_id), key=lambda m: m.id)
            last_id = max([last_id, *(m.id for m in new)])
            for msg in new:
                owner = by_dm.get(msg.channel_id)
                if owner is None or msg.interaction_id is not None:
                    continue
                pair_no, who = owner
                labels = {c.get("label") for row in msg.components for c in row.get("components", [])}
                if "Not yet" not in labels or pair_no >= 14 or who is not pairs[pair_no].mentee.persona:
                    continue
                if 10 <= pair_no < 13:
                    await who.click("Not yet", message=msg)
                elif pair_no == 13 and pair_no not in answered_pairs:
                    await who.click("We need help", message=msg)
                else:
                    await who.click("We've met", message=msg)
                answered_pairs.add(pair_no)

        by_dm = {m.persona.dm_channel.id: (n, m.persona) for n, p in enumerate(pairs) for m in p.members
                 if m.persona.dm_channel is not None}
        for _hour in range(42 * 24):
            world.clock.advance(timedelta(hours=1))
            await world.bot.tick("nudge-dispatch")
            await react()

        rows = [n for n in await _all_nudges(world) if n.kind != "digest"]
        assert Counter(n.status for n in rows) == Counter({"sent": 160})
        markers = Counter(m.content.rsplit("ref:n", 1)[-1] for p in pairs for mem in p.members
                          for m in mem.persona.dms() if "ref:n" in m.content)
        assert len(markers) == 160 and set(markers.values()) == {1}  # every nudge once
        quiet = world.bot.services.programmes.all()[0].config.quiet_hours
        zone_of = {mem.persona.dm_channel.id: mem.zone for p in pairs for mem in p.members
                   if mem.persona.dm_channel is not None}
        sends = [r for r in world.discord.log.requests("POST") if r.route.endswith("/messages") and r.status == 200]
        to_people = [r for r in sends if int(r.path.split("/")[2]) in zone_of]
        assert len(to_people) == 160
        assert not [r for r in to_people if is_quiet(r.t, zone_of[int(r.path.split("/")[2])], quiet)]
        answered = [n for n in rows if n.answer is not None]
        assert Counter(n.answer for n in answered) == Counter({"met": 32, "not_yet": 9, "help": 1})
        posts = organiser_posts(world)
        assert len([p for p in posts if "\"not yet\" to 2 check-ins" in p]) == 3
        assert len([p for p in posts if "asked for help" in p]) == 1
        assert len([p for p in posts if "Pair at risk" in p]) == 6
        assert len([p for p in posts if "Weekly digest" in p]) == 6
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_a_crash_during_a_dispatch_batch_loses_nothing_and_doubles_nothing(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=["cogs.nudges"])
    try:
        world.bot.scheduler.pause()
        pairs = [await make_pair(world, f"C{i}") for i in range(15)]
        for pair in pairs:
            await world.bot.services.nudges.plan_match(pair.match_id)
        people = [m.persona for p in pairs for m in p.members]
        world.clock.advance(timedelta(days=3, minutes=1))
        state = world.discord.state
        batch = asyncio.create_task(world.bot.tick("nudge-dispatch"))
        await state.wait_for(lambda: sum(len(p.dms()) for p in people) >= 10, 5)
        # the next message is still being delivered by Discord when the process dies
        world.discord.faults.slow_next(0.4, method="POST", path_contains="/messages")
        await asyncio.sleep(0.15)
        old = world.bot
        batch.cancel()
        await asyncio.gather(batch, return_exceptions=True)
        old.scheduler.shutdown(wait=False)
        await world.restart(crash=True)
        world.bot.scheduler.pause()
        await asyncio.sleep(0.5)  # the slow message lands after the crash
        delivered = {m.content.rsplit("ref:n", 1)[-1] for p in people for m in p.dms()}
        rows = [n for n in await _all_nudges(world) if n.kind == "checkin" and n.step_key == "day3-met"]
        in_the_gap = [n for n in rows if n.status == "claimed" and str(n.id) in delivered]
        assert in_the_gap, "the crash should leave a nudge sent but not recorded"
        assert [n for n in rows if n.status == "claimed" and str(n.id) not in delivered]
        world.clock.advance(timedelta(minutes=6))  # the dead process's claims are stale now
        await world.bot.tick("nudge-dispatch")
        rows = [n for n in await _all_nudges(world) if n.kind == "checkin" and n.step_key == "day3-met"]
        assert Counter(n.status for n in rows) == Counter({"sent": 30})
        assert [len(p.dms()) for p in people] == [1] * 30
        gap = next(n for n in rows if n.id == in_the_gap[0].id)
        assert gap.message_id is not None and str(gap.id) in state.messages[gap.message_id].content
    finally:
        await world.stop()
        await drop_test_schema(schema)


@pytest.mark.skipif(BACKEND != "postgresql", reason="two processes share a PostgreSQL database")
async def test_two_bots_on_one_postgresql_send_each_nudge_once(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=["cogs.nudges"])
    assert world.settings is not None
    engine = await open_database(world.database_url, schema=world.schema)
    settings = world.settings
    runner = BotRunner(world.discord, lambda: build_bot(settings, engine, clock=world.clock,
                                                        extensions=["cogs.nudges"], **sandbox_mentorbot_kwargs()))
    try:
        second = await runner.start()
        for bot in (world.bot, second):
            bot.scheduler.pause()
            cog = bot.get_cog("Nudges")
            assert cog is not None
            cog.batch = 4  # type: ignore[attr-defined]  # small claims, so the two interleave
        pairs = [await make_pair(world, f"T{i}") for i in range(20)]
        for pair in pairs:
            await world.bot.services.nudges.plan_match(pair.match_id)
        world.clock.advance(timedelta(days=3, minutes=1))
        await asyncio.gather(world.bot.tick("nudge-dispatch"), second.tick("nudge-dispatch"))
        people = [m.persona for p in pairs for m in p.members]
        assert [len(p.dms()) for p in people] == [1] * 40
        rows = [n for n in await _all_nudges(world) if n.step_key == "day3-met"]
        assert Counter(n.status for n in rows) == Counter({"sent": 40})
        assert len({n.claimed_by for n in rows}) == 2  # both processes took a share
        digests = [p for p in organiser_posts(world) if "digest" in p]
        assert digests == []
    finally:
        await runner.stop()
        await engine.dispose()
        await world.stop()
        await drop_test_schema(schema)


@pytest.mark.slow  # started early, beside the other long tests (tests/conftest.py)
async def test_a_burst_under_discords_limits_is_all_sent_without_a_429() -> None:
    # The pace itself (share of Discord's allowed rate) is a number for `python -m bot bench nudges`,
    # not a timed assert: on a busy 2-core machine it varies with load.
    result = await bench_nudges(300)
    assert result["sent"] == 300 and result["rate_limited_429"] == 0
