"""Writes whose answer is lost after the server applied them (the connection dropped, a 503 after the commit,
a timeout after the commit): the bot cannot tell whether they happened, and its exactly-once mechanisms must
make the outcome the same as if nothing had gone wrong.

* announcements: look for earlier attempts (the space by its marker, the introduction and each DM by theirs)
  before doing a step again — a pair gets one space, one introduction and one DM each;
* nudges: a claimed nudge whose send failed is looked for (its marker) before it is sent again;
* X replies: committed as ``replying`` before the request, never retried after an unanswered one;
* messages: a 500/502/504 is retried by discord.py with the same nonce and ``enforce_nonce``, and Discord (the
  sandbox too) answers the retry with the message the first try made.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Literal

import pytest
from sqlmodel import select

from bot.intake.retry import RetryPolicy
from bot.sandbox.world import SandboxWorld
from cogs.matching._announce import marker
from storage.db import transaction
from storage.models import Lead, Match
from storage.queries import matching, nudges
from tests.support.database import drop_test_schema
from tests.support.pairs import Member, add_member, add_pair
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
LostHow = Literal["drop", "status", "timeout"]


async def _confirmed_pair(world: SandboxWorld, tag: str) -> tuple[int, Member, Member]:
    """A confirmed match waiting to be announced (as ``/match confirm`` leaves it)."""
    mentor = await add_member(world, f"Mentor {tag}", "Europe/London")
    mentee = await add_member(world, f"Mentee {tag}", "Europe/London")
    programme = world.bot.services.programmes.all()[0]
    async with transaction(world.bot.sessions) as s:
        row = await matching.add_match(session=s, match=Match(
            programme_id=programme.id, mentor_person_id=mentor.person_id, mentee_person_id=mentee.person_id,
            status="active", announce_state="pending", started_at=world.clock.now(), reasons="test pair"))
    return row.id or 0, mentor, mentee


def _spaces(world: SandboxWorld, mid: int) -> list[int]:
    ref = marker("pair", mid)
    return [c.id for c in world.discord.state.channels.values()
            if ref in (c.topic or "") or (c.type == 12 and (c.name or "").endswith(f"#{mid}"))]


def _messages_with(world: SandboxWorld, ref: str) -> int:
    return sum(1 for m in world.discord.state.messages.values() if ref in m.content and not m.deleted)


async def _announce_until_done(world: SandboxWorld, mid: int) -> None:
    for _ in range(4):  # a lost answer fails this run; the next run resumes (as the periodic job would)
        await world.bot.tick("announce-pairs")
        async with world.bot.sessions() as s:
            match = await matching.get_match(session=s, match_id=mid)
        if match is not None and match.announce_state == "done":
            return
        # the next run comes minutes later, past Discord's nonce window: only looking first avoids a second copy
        world.clock.advance(timedelta(minutes=6))
    raise AssertionError("the announcement never finished")


async def _assert_announced_once(world: SandboxWorld, mid: int, mentor: Member, mentee: Member) -> None:
    assert len(_spaces(world, mid)) == 1, f"{len(_spaces(world, mid))} spaces for one pair"
    assert _messages_with(world, marker("intro", mid)) == 1, "the introduction was posted twice (or never)"
    for member in (mentor, mentee):
        assert _messages_with(world, marker(f"dm{member.persona.id}", mid)) == 1, "a DM link went out twice"


@pytest.mark.parametrize("how", ["drop", "status", "timeout"])
async def test_a_lost_answer_to_creating_the_channel_leaves_one_space(world: SandboxWorld, how: LostHow) -> None:
    assert world.guild is not None
    mid, mentor, mentee = await _confirmed_pair(world, "C")
    # the pairs' category first, then the pair's channel: both made, neither answer arrives
    world.discord.faults.lose_response_next(how, method="POST", path_contains=f"/guilds/{world.guild.id}/channels",
                                            delay=0.3, count=2)
    await _announce_until_done(world, mid)
    assert len(world.discord.faults.fired) == 2, "the faults never fired"
    await _assert_announced_once(world, mid, mentor, mentee)
    categories = [c for c in world.discord.state.channels.values() if c.type == 4]
    assert len(categories) == 1, f"{len(categories)} categories for the pairs"


@pytest.mark.parametrize(("how", "status"), [("drop", 503), ("status", 503), ("status", 500)])
async def test_a_lost_answer_to_the_introduction_leaves_one_introduction(
    world: SandboxWorld, how: LostHow, status: int,
) -> None:
    mid, mentor, mentee = await _confirmed_pair(world, "I")  # a 500 is retried by discord.py itself
    world.discord.faults.lose_response_next(how, status=status, method="POST", path_contains="/messages")
    await _announce_until_done(world, mid)
    assert world.discord.faults.fired
    await _assert_announced_once(world, mid, mentor, mentee)


async def test_lost_answers_to_the_dm_links_leave_one_dm_each(world: SandboxWorld) -> None:
    mid, mentor, mentee = await _confirmed_pair(world, "D")
    await world.bot.tick("announce-pairs")  # space and introduction, DMs too: undo by losing the next ones
    mid2, mentor2, mentee2 = await _confirmed_pair(world, "E")
    state = world.discord.state
    dm_ids = {state.open_dm(m.persona.id).id for m in (mentor2, mentee2)}
    for dm in dm_ids:
        world.discord.faults.lose_response_next("status", method="POST", path_contains=f"/channels/{dm}/messages")
    await _announce_until_done(world, mid2)
    assert len(world.discord.faults.fired) == 2
    await _assert_announced_once(world, mid2, mentor2, mentee2)
    await _assert_announced_once(world, mid, mentor, mentee)


async def test_thread_spaces_survive_lost_answers_to_creating_the_thread_and_adding_members(
    world: SandboxWorld,
) -> None:
    programme = world.bot.services.programmes.all()[0]
    await world.bot.services.programmes.save_settings(programme.key, {"spaces": {"mode": "threads"}})
    mid, mentor, mentee = await _confirmed_pair(world, "T")
    world.discord.faults.lose_response_next("drop", method="POST", path_contains="/threads")
    world.discord.faults.lose_response_next("status", method="PUT", path_contains="/thread-members/")
    await _announce_until_done(world, mid)
    assert len(world.discord.faults.fired) == 2
    await _assert_announced_once(world, mid, mentor, mentee)
    thread = world.discord.state.channels[_spaces(world, mid)[0]]
    assert {mentor.persona.id, mentee.persona.id} <= thread.thread_members


async def test_a_thread_that_archived_itself_before_a_crash_is_found_again_not_made_twice(
    world: SandboxWorld,
) -> None:
    """The thread was made but its answer lost; it archives itself (discord.py drops archived threads from its
    cache, and a restarted bot never sees them); after the crash the bot finds it by listing archived threads."""
    programme = world.bot.services.programmes.all()[0]
    await world.bot.services.programmes.save_settings(programme.key, {"spaces": {"mode": "threads"}})
    mid, mentor, mentee = await _confirmed_pair(world, "Z")
    world.discord.faults.lose_response_next("drop", method="POST", path_contains="/threads")
    await world.bot.tick("announce-pairs")
    assert world.discord.faults.fired, "the fault never fired"
    [thread_id] = _spaces(world, mid)
    thread = world.discord.state.channels[thread_id]
    world.clock.advance(timedelta(minutes=thread.auto_archive_duration + 1))
    world.discord.state.archive_idle_threads()
    assert thread.archived
    await world.restart(crash=True)
    await _announce_until_done(world, mid)
    await _assert_announced_once(world, mid, mentor, mentee)
    assert {mentor.persona.id, mentee.persona.id} <= thread.thread_members
    assert not thread.archived, "the pair's thread was reopened for their introduction"


async def test_two_processes_that_both_saw_a_pair_waiting_announce_it_once(world: SandboxWorld) -> None:
    mid, mentor, mentee = await _confirmed_pair(world, "P")
    programme = world.bot.services.programmes.all()[0]
    announcer = world.bot.get_cog("Matching").announcer  # type: ignore[union-attr]
    waiting = [a for a in await world.bot.services.matching.pending_announcements(programme) if a.match_id == mid]
    assert len(waiting) == 1
    assert await announcer.announce(programme, waiting[0])  # one process announces it…
    # …while another, which read the same waiting pair a moment earlier, gets to it only now
    await announcer.announce(programme, waiting[0])
    await _assert_announced_once(world, mid, mentor, mentee)


async def test_a_nudge_whose_answer_was_lost_is_not_sent_again(world: SandboxWorld) -> None:
    mentor = await add_member(world, "Mentor N", "Europe/London")
    mentee = await add_member(world, "Mentee N", "Europe/London")
    pair = await add_pair(world, mentor, mentee, space=True)
    await world.bot.services.nudges.plan_match(pair.match_id)
    dm = world.discord.state.open_dm(mentee.persona.id)
    world.discord.faults.lose_response_next("drop", method="POST", path_contains=f"/channels/{dm.id}/messages")
    world.clock.advance(timedelta(days=3, hours=2))
    await world.bot.tick("nudge-dispatch")
    assert world.discord.faults.fired, "the fault never fired"
    for _ in range(3):  # the failed nudge is retried a few minutes later
        world.clock.advance(timedelta(minutes=10))
        await world.bot.tick("nudge-dispatch")
    checkins = [m for m in mentee.persona.dms() if "ref:n" in m.content]
    assert len(checkins) == 1, f"the mentee got {len(checkins)} copies of the check-in"
    assert len([m for m in mentor.persona.dms() if "ref:n" in m.content]) == 1


async def test_a_500_after_the_check_in_was_made_leaves_one_check_in(world: SandboxWorld) -> None:
    mentor = await add_member(world, "Mentor F", "Europe/London")
    mentee = await add_member(world, "Mentee F", "Europe/London")
    pair = await add_pair(world, mentor, mentee, space=True)
    await world.bot.services.nudges.plan_match(pair.match_id)
    dm = world.discord.state.open_dm(mentee.persona.id)
    world.discord.faults.lose_response_next("status", status=500, method="POST",
                                            path_contains=f"/channels/{dm.id}/messages")
    world.clock.advance(timedelta(days=3, hours=2))
    await world.bot.tick("nudge-dispatch")
    assert world.discord.faults.fired, "the fault never fired"
    checkins = [m for m in mentee.persona.dms() if "ref:n" in m.content]
    assert len(checkins) == 1, f"the mentee got {len(checkins)} copies of the check-in"
    async with world.bot.sessions() as s:
        rows = await nudges.nudges_of_match(session=s, match_id=pair.match_id)
    assert checkins[0].id in {n.message_id for n in rows if n.status == "sent"}, "the check-in was not recorded"


@pytest.mark.parametrize("how", ["lost-drop", "lost-503", "lost-timeout"])
async def test_an_x_reply_whose_answer_was_lost_is_never_sent_twice(world: SandboxWorld, how: str) -> None:
    text = f"Looking for a mentor in maths #EduMentoring @{world.x.bot_account.username}"
    post_id = world.x.add_post(text, "teacher9", "Teacher 9")
    world.x.faults.inject(how, path="/2/tweets", method="POST", delay=2.5)  # type: ignore[arg-type]
    world.bot.services.intake.clients.retry = RetryPolicy(tries=2, base_delay=0.01, max_delay=0.02, timeout=1.5)
    await world.bot.tick("poll-x-edu")
    world.clock.advance(timedelta(minutes=20))
    await world.bot.tick("poll-x-edu")
    replies = [r for r in world.x.replies if r.ref("replied_to") == post_id]
    assert len(replies) == 1, f"{len(replies)} replies to one post"
    async with world.bot.sessions() as s:
        lead = (await s.exec(select(Lead).where(Lead.first_post_id == post_id))).first()
    assert lead is not None and lead.status in ("queued", "queueing"), "the organisers were not asked to check"


async def test_a_reply_cut_short_by_a_crash_goes_to_the_organisers_and_is_never_sent_again(
    world: SandboxWorld,
) -> None:
    text = f"Looking for a mentor in maths #EduMentoring @{world.x.bot_account.username}"
    post_id = world.x.add_post(text, "teacher7", "Teacher 7")
    world.x.faults.inject("lost-timeout", path="/2/tweets", method="POST", delay=5.0)  # applied, then silence
    polling = asyncio.create_task(world.bot.tick("poll-x-edu"))
    for _ in range(500):
        if world.x.replies:
            break
        await asyncio.sleep(0.02)
    assert world.x.replies, "the reply never reached X"
    polling.cancel()  # the process dies while waiting for X's answer: the lead is left "replying"
    with contextlib.suppress(asyncio.CancelledError):
        await polling
    world.x.faults.clear()
    for _ in range(2):  # after a while the next polls find it: the organisers check, nobody replies again
        world.clock.advance(timedelta(minutes=11))
        await world.bot.tick("poll-x-edu")
    assert len([r for r in world.x.replies if r.ref("replied_to") == post_id]) == 1, "the post was answered twice"
    async with world.bot.sessions() as s:
        lead = (await s.exec(select(Lead).where(Lead.first_post_id == post_id))).first()
    assert lead is not None and lead.status in ("queued", "queueing"), "the organisers were not asked to check"


@pytest.mark.parametrize("platform", ["bluesky", "mastodon"])
async def test_a_bluesky_or_mastodon_reply_whose_answer_was_lost_is_never_sent_twice(
    world: SandboxWorld, platform: str,
) -> None:
    sandbox = world.bluesky if platform == "bluesky" else world.mastodon
    sandbox.add_post("Looking for a mentor in maths #EduMentoring", "teacher8")
    route = "/xrpc/com.atproto.repo.createRecord" if platform == "bluesky" else "/api/v1/statuses"
    sandbox.faults.inject("lost-drop", path=route, method="POST")
    world.bot.services.intake.clients.retry = RetryPolicy(tries=2, base_delay=0.01, max_delay=0.02, timeout=1.5)
    await world.bot.tick(f"poll-{platform}-edu")
    world.clock.advance(timedelta(minutes=20))
    await world.bot.tick(f"poll-{platform}-edu")
    assert len(sandbox.replies) == 1, f"{len(sandbox.replies)} replies to one post on {platform}"
    async with world.bot.sessions() as s:
        lead = (await s.exec(select(Lead).where(Lead.platform == platform))).first()
    assert lead is not None and lead.status in ("queued", "queueing"), "the organisers were not asked to check"
