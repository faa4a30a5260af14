"""Every way a match ends goes through one path: the pair's space is archived in Discord (a channel: the pair's
overwrites removed and renamed; a thread: archived and locked), both people are told in words that fit why,
the organisers hear once, the mentor's place is free and the audit log has it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.config import ProgrammeConfig
from bot.sandbox.discord import ChannelType
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.models import AuditEvent
from storage.queries import matching
from tests.support.database import drop_test_schema
from tests.support.organisers import slash
from tests.support.pairs import Pair, add_member, add_pair, organiser_posts
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


# pairs are written straight to storage: without the interview cogs, a join starts no interview that would
# race the test's own person rows
PAIR_COGS = ["cogs.intake", "cogs.matching", "cogs.nudges", "cogs.organisers", "cogs.profiles"]


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, extensions=PAIR_COGS)
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def _pair(world: SandboxWorld, tag: str, *, space: bool = True) -> Pair:
    mentor = await add_member(world, f"Mentor {tag}", "Europe/London")
    mentee = await add_member(world, f"Mentee {tag}", "Europe/London")
    return await add_pair(world, mentor, mentee, space=space)


async def _thread_pair(world: SandboxWorld, tag: str) -> Pair:
    """A pair whose space is a private thread (as for cohorts past Discord's channel limits)."""
    pair = await _pair(world, tag, space=False)
    state = world.discord.state
    assert world.onboarding_channel is not None
    thread = state.create_thread(world.onboarding_channel, f"pair-{tag.lower()}", type=ChannelType.PRIVATE_THREAD,
                                 owner_id=world.discord.bot_user.id, invitable=False)
    for member in pair.members:
        state.add_thread_member(thread, member.persona.id)
    async with world.bot.sessions() as s, s.begin():
        match = await matching.get_match(session=s, match_id=pair.match_id)
        assert match is not None
        match.space_kind, match.space_id = "thread", thread.id
        s.add(match)
    return Pair(pair.match_id, pair.mentor, pair.mentee, thread)


async def _dm_with(world: SandboxWorld, persona: Persona, words: str) -> str:
    found: list[str] = []

    def told() -> bool:
        found[:] = [m.content for m in persona.dms() if words in m.content]
        return bool(found)

    await world.discord.state.wait_for(told, 5)
    return found[-1]


async def _ended_state(world: SandboxWorld, pair: Pair) -> tuple[str | None, list[AuditEvent]]:
    """The match's status (None: erased with a person who left) and the ``match.end`` audit events."""
    async with world.bot.sessions() as s:
        match = await matching.get_match(session=s, match_id=pair.match_id)
        events = list(await s.exec(select(AuditEvent).where(AuditEvent.action == "match.end")))
    return (match.status if match else None), events


def _notices(world: SandboxWorld, pair: Pair) -> list[str]:
    return [p for p in organiser_posts(world) if p.startswith(f"Match {pair.match_id} ")]


async def test_unpair_archives_the_channel_and_tells_both_in_the_organisers_words(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    pair = await _pair(world, "U")
    space = pair.space
    assert space is not None
    answer = await slash(world.organiser, world.guild, "match", "unpair",
                         options={"mentee": pair.mentee.persona, "reason": "their timetables clash"})
    assert "Match ended" in answer.content
    state = world.discord.state
    for member in pair.members:
        text = await _dm_with(world, member.persona, "organisers have ended your pairing")
        assert "their timetables clash" in text
        assert not state.can_view(member.persona.id, space), f"{member.persona.name} still sees the pair's channel"
    assert "new partner" in await _dm_with(world, pair.mentee.persona, "organisers have ended your pairing")
    assert space.name.startswith("ended-")
    assert world.organisers is not None and state.can_view(world.organiser.id, space), "organisers keep the history"
    status, events = await _ended_state(world, pair)
    assert status == "ended"
    assert [(e.actor_discord_id, e.detail["reason"]) for e in events] == [(world.organiser.id, "organiser")]
    await state.wait_for(lambda: _notices(world, pair), 5)
    assert len(_notices(world, pair)) == 1
    again = await slash(world.organiser, world.guild, "match", "unpair", options={"mentee": pair.mentee.persona})
    assert "no active match" in again.content
    assert len(_notices(world, pair)) == 1, "the organisers heard twice"


async def test_leaving_archives_the_space_and_tells_the_partner_kindly(world: SandboxWorld) -> None:
    assert world.guild is not None
    pair = await _pair(world, "L")
    space = pair.space
    assert space is not None
    asked = await slash(pair.mentor.persona, world.guild, "leave")
    done = await pair.mentor.persona.click("Yes, delete my data", message=asked.messages[0])
    answer = await done.wait_answer()
    assert "partner has been told" in answer.content
    text = await _dm_with(world, pair.mentee.persona, "decided to leave")
    assert "This isn't about you" in text and "new partner" in text
    state = world.discord.state
    assert space.name.startswith("ended-")
    assert not any(state.can_view(m.persona.id, space) for m in pair.members)
    status, events = await _ended_state(world, pair)
    assert status in ("ended", None) and [e.detail["reason"] for e in events] == ["left"]
    await state.wait_for(lambda: any(f"Match {pair.match_id} ended" in p for p in organiser_posts(world)), 5)
    notices = [p for p in organiser_posts(world) if f"Match {pair.match_id} ended" in p]
    assert len(notices) == 1 and "A member left" in notices[0] and "Mentor L" not in notices[0]


async def test_an_organiser_pause_that_ends_the_match_archives_and_locks_the_thread(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    pair = await _thread_pair(world, "P")
    thread = pair.space
    assert thread is not None
    answer = await slash(world.organiser, world.guild, "organiser", "pause",
                         options={"member": pair.mentor.persona, "weeks": 4, "end_match": True})
    assert "Paused" in answer.content
    assert "paused your place" in await _dm_with(world, pair.mentor.persona, "paused your place")
    assert "new partner" in await _dm_with(world, pair.mentee.persona, "break from")
    assert thread.archived and thread.locked, "the pair's thread is still open"
    assert thread.name.startswith("ended-")
    status, events = await _ended_state(world, pair)
    assert status == "ended" and [e.detail["reason"] for e in events] == ["paused"]
    await world.discord.state.wait_for(lambda: _notices(world, pair), 5)
    assert len(_notices(world, pair)) == 1


async def test_a_pause_without_ending_keeps_the_match(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    pair = await _pair(world, "K")
    await slash(world.organiser, world.guild, "organiser", "pause", options={"member": pair.mentor.persona})
    status, events = await _ended_state(world, pair)
    assert status == "active" and not events
    assert pair.space is not None and not pair.space.name.startswith("ended-")


async def test_two_ends_at_once_end_the_match_once(world: SandboxWorld) -> None:
    """An organiser unpairs while the pair's "End this match" lands: one end, one notice, one message each."""
    pair = await _pair(world, "R")
    ending = world.bot.services.ending
    results = await asyncio.gather(
        ending.end_match(world.bot.services.programmes.all()[0], pair.match_id, "organiser", world.organiser.id if world.organiser else None),
        ending.end_match(world.bot.services.programmes.all()[0], pair.match_id, "pair", pair.mentee.persona.id))
    assert sum(r is not None for r in results) == 1, "the match was ended twice"
    assert len(_notices(world, pair)) == 1, "the organisers heard twice"
    for member in pair.members:  # never told twice (that both are told is the other tests' business)
        assert sum("match" in d.content and "ended" in d.content for d in member.persona.dms()) <= 1
    _, events = await _ended_state(world, pair)
    assert len(events) == 1


async def test_lost_answers_while_archiving_still_leave_the_space_closed(world: SandboxWorld) -> None:
    """Discord removes an overwrite and renames the channel but the answers never come back."""
    assert world.guild is not None and world.organiser is not None
    pair = await _pair(world, "A")
    space = pair.space
    assert space is not None
    faults = world.discord.faults
    faults.lose_response_next("drop", method="DELETE", path_contains="/permissions/")
    faults.lose_response_next("status", method="PATCH", path_contains=f"/channels/{space.id}")
    ended = await world.bot.services.ending.end_match(world.bot.services.programmes.all()[0], pair.match_id, "organiser", world.organiser.id)
    assert ended is not None and len(faults.fired) == 2
    assert space.name.startswith("ended-")
    assert not any(world.discord.state.can_view(m.persona.id, space) for m in pair.members)
    assert len(_notices(world, pair)) == 1


async def test_an_organiser_of_another_programme_cannot_unpair_a_match_by_its_number(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    pair = await _pair(world, "F")
    owner = world.person("Mallory Owner")
    other = world.discord.create_guild("Second cohort", owner=owner.user)
    world.allow_programmes(other, ("EduMentoring",))
    await world.bot.services.programmes.create(ProgrammeConfig(
        key="edu2", name="Second", guild_id=other.id, intake={"hashtags": ["EduMentoring"]}))
    answer = await slash(owner, other, "match", "unpair", options={"match": pair.match_id})
    assert f"no match {pair.match_id} in Second" in answer.content
    status, _ = await _ended_state(world, pair)
    assert status == "active"
    assert not any("The organisers of" in m.content for member in pair.members for m in member.persona.dms())
    # the programme's own organiser can end it by its number
    mine = await slash(world.organiser, world.guild, "match", "unpair", options={"match": pair.match_id})
    assert "Match ended" in mine.content
    assert (await _ended_state(world, pair))[0] == "ended"
