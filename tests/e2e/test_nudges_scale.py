"""Six simulated weeks of a 40-person programme, a crash in the middle of a dispatch batch, two bot
processes on one PostgreSQL, and a burst under Discord's rate limits."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest

from bot.nudges.bench import bench_nudges
from bot.nudges.quiet import is_quiet
from bot.runtime import build_bot, open_database
from bot.sandbox.connect import sandbox_bot_kwargs
from bot.sandbox.discord.runner import BotRunner
from bot.sandbox.world import SandboxWorld
from cogs.nudges import plan_match
from storage.models import Nudge
from storage.queries import nudges_more
from tests.conftest import BACKEND, drop_test_schema
from tests.e2e.conftest import make_world
from tests.nudges_service.pairs import Pair, add_member, add_pair, make_pair, organiser_posts

pytestmark = pytest.mark.e2e

ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles",
         "Asia/Kolkata", "Pacific/Auckland", "UTC", "Africa/Lagos", "America/Sao_Paulo"]


async def _all_nudges(world: SandboxWorld) -> list[Nudge]:
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        return await nudges_more.nudges_in_programme(session=s, programme_id=programme.id)


async def test_six_weeks_of_a_forty_person_programme(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=["cogs.nudges"],
                                     programme_overrides={"cohort_end": "2026-10-17"})
    try:
        started = time.perf_counter()
        pairs: list[Pair] = []
        for i in range(20):
            mentor = await add_member(world, f"Mentor {i}", ZONES[i % len(ZONES)])
            mentee = await add_member(world, f"Mentee {i}", ZONES[(i * 3 + 1) % len(ZONES)])
            pairs.append(await add_pair(world, mentor, mentee, started_at=world.clock.now() + timedelta(hours=i)))
        for pair in pairs:
            await plan_match(world.bot, pair.match_id)
        planned = [n for n in await _all_nudges(world) if n.kind != "digest"]
        assert len(planned) == 20 * 2 * 4  # day 3, day 14, day 30, cohort feedback
        # pairs 0-9 meet; 10-12 answer "not yet" twice; 13 needs help; 14-19 never answer
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
                if pair_no < 10 and pair_no not in answered_pairs:
                    await who.click("We've met", message=msg)
                elif 10 <= pair_no < 13:
                    await who.click("Not yet", message=msg)
                elif pair_no == 13 and pair_no not in answered_pairs:
                    await who.click("We need help", message=msg)
                answered_pairs.add(pair_no)

        by_dm = {m.persona.dm_channel.id: (n, m.persona) for n, p in enumerate(pairs) for m in p.members
                 if m.persona.dm_channel is not None}
        for _hour in range(42 * 24):
            world.clock.advance(timedelta(hours=1))
            await world.bot.tick("nudge-dispatch")
            await react()
        elapsed = time.perf_counter() - started

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
        assert Counter(n.answer for n in answered) == Counter({"met": 10, "not_yet": 9, "help": 1})
        posts = organiser_posts(world)
        assert len([p for p in posts if "\"not yet\" to 2 check-ins" in p]) == 3
        assert len([p for p in posts if "asked for help" in p]) == 1
        assert len([p for p in posts if "Pair at risk" in p]) == 6
        assert len([p for p in posts if "Weekly digest" in p]) == 6
        assert elapsed < 30, f"six weeks took {elapsed:.1f} s"
    finally:
        await world.stop()
        await drop_test_schema(schema)
