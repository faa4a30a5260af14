"""A pair's goals, end to end: the mentee is invited when the pair is introduced (buttons and a modal, starting
from their profile's choices), the mentor sees the goals in the pair's space, check-ins ask how each goal is
going, ``/goals view`` shows and changes them any time, and organisers see progress per pair and in total."""

from __future__ import annotations

import pytest

from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.queries import people
from tests.support.pairs import Pair, make_pair

pytestmark = pytest.mark.e2e


async def _with_profile_goals(world: SandboxWorld, pair: Pair, goals: list[str]) -> None:
    programme = world.bot.services.programmes.all()[0]
    async with transaction(world.bot.sessions) as s:
        await people.upsert_profile(session=s, person_id=pair.mentee.person_id, programme_id=programme.id,
                                    answers={"timezone": pair.mentee.zone, "role": "mentee", "goals": goals},
                                    consent_at=world.clock.now(), now=world.clock.now())


async def test_only_the_pair_can_change_goals_and_organisers_see_the_totals(nworld: SandboxWorld) -> None:
    goals = nworld.bot.services.goals
    pair = await make_pair(nworld, "A", space=True)
    other = await make_pair(nworld, "B")
    await _with_profile_goals(nworld, pair, ["behaviour", "planning", "wellbeing", "workload"])
    programme = nworld.bot.services.programmes.all()[0]

    refused = await goals.use_suggestions(pair.match_id, pair.mentor.persona.id)
    assert not refused.ok and "mentee" in refused.reply
    stranger = await goals.set_goals(pair.match_id, other.mentee.persona.id, ["Take over their goals"])
    assert not stranger.ok and "another pair" in stranger.reply

    saved = await goals.use_suggestions(pair.match_id, pair.mentee.persona.id)
    assert saved.ok and saved.pair is not None
    assert [g.text for g in saved.pair.goals] == ["Behaviour", "Planning", "Wellbeing"]

    first = saved.pair.goals[0]
    assert (await goals.record_progress(first.goal_id, pair.mentor.persona.id, "achieved")).ok
    assert not (await goals.record_progress(first.goal_id, other.mentor.persona.id, "changed")).ok
    await goals.set_goals(pair.match_id, pair.mentee.persona.id, ["Behaviour", "Plan a term of lessons"])

    overview = await goals.overview(programme)
    by_match = {p.match_id: p for p in overview.pairs}
    assert [(g.text, g.progress) for g in by_match[pair.match_id].goals] == [
        ("Behaviour", "achieved"), ("Plan a term of lessons", "not_started")]
    assert by_match[other.match_id].goals == ()
    assert (overview.totals.pairs, overview.totals.pairs_with_goals, overview.totals.goals,
            overview.totals.achieved) == (2, 1, 2, 1)
