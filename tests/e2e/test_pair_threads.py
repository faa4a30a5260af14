"""Pair spaces that are private threads, under Discord's thread rules: the bot's role holds exactly the README's
permissions; locking needs Manage Threads; an idle thread archives itself and leaves discord.py's cache."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.discord import Channel, ChannelType
from bot.sandbox.discord import permissions as perm
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import Match
from storage.queries import matching
from tests.support.pairs import (
    Pair,
    add_member,
)

pytestmark = pytest.mark.e2e


async def _thread_pair(world: SandboxWorld, tag: str, *, idle_minutes: int) -> Pair:
    """A confirmed pair whose space is a private, non-invitable thread the bot opened (as announcing does)."""
    assert world.guild is not None
    mentor = await add_member(world, f"Mentor {tag}", "Europe/London")
    mentee = await add_member(world, f"Mentee {tag}", "Europe/London")
    state = world.discord.state
    parent = world.discord.channel_named(world.guild, "general")
    assert parent is not None
    thread = state.create_thread(parent, f"pair-{tag.lower()}", type=ChannelType.PRIVATE_THREAD,
                                 owner_id=world.discord.bot_user.id, invitable=False,
                                 auto_archive_duration=idle_minutes)
    for member in (mentor, mentee):
        state.add_thread_member(thread, member.persona.id)
    programme = world.bot.services.programmes.all()[0]
    async with transaction(world.bot.sessions) as s:
        row = await matching.add_match(session=s, match=Match(
            programme_id=programme.id, mentor_person_id=mentor.person_id, mentee_person_id=mentee.person_id,
            status="active", announce_state="done", started_at=world.clock.now(),
            space_kind="thread", space_id=thread.id))
    return Pair(row.id or 0, mentor, mentee, thread)


async def _end_by_buttons(world: SandboxWorld, pair: Pair) -> None:
    await world.bot.services.nudges.plan_match(pair.match_id)
    world.clock.advance(timedelta(days=3.01))
    await world.bot.tick("nudge-dispatch")
    await pair.mentor.persona.click("End this match", message=await pair.mentor.persona.next_dm())
    await pair.mentee.persona.next_dm()  # the mentee's own day-3 check-in
    ask = await pair.mentee.persona.next_dm()
    done = await pair.mentee.persona.click("Yes, end our match", message=ask)
    assert "ended" in done.content


def _closed(thread: Channel) -> bool:
    return thread.locked and thread.archived and thread.name.startswith("ended-")


async def test_the_bots_role_holds_exactly_the_readme_permissions(nworld: SandboxWorld) -> None:
    assert nworld.guild is not None
    state = nworld.discord.state
    bot_roles = [state.roles[r] for r in nworld.guild.members[state.bot_user.id].roles]
    assert [r.permissions for r in bot_roles] == [perm.README_BOT]
    readme = " ".join(open("README.md", encoding="utf-8").read().split())
    for name in ("View Channels", "Manage Channels", "Manage Roles", "Create Private Threads", "Manage Threads",
                 "Send Messages", "Send Messages in Threads", "Embed Links", "Attach Files", "Read Message History"):
        assert name.lower() in readme.lower(), f"the README does not ask for {name}"


async def test_ending_a_match_locks_and_archives_its_private_thread(nworld: SandboxWorld) -> None:
    pair = await _thread_pair(nworld, "L", idle_minutes=10080)  # stays active through the week
    thread = pair.space
    assert thread is not None and not thread.archived
    await _end_by_buttons(nworld, pair)
    await nworld.discord.state.wait_for(lambda: _closed(thread), 5)
    # a locked thread: the pair can no longer reopen it by writing; only Manage Threads can
    with pytest.raises(Exception, match="archived"):
        await pair.mentee.persona.say("still here?", channel=thread)


async def test_a_thread_that_archived_itself_is_still_closed_when_the_match_ends(nworld: SandboxWorld) -> None:
    pair = await _thread_pair(nworld, "A", idle_minutes=1440)  # archives after a quiet day
    thread = pair.space
    assert thread is not None
    await _end_by_buttons(nworld, pair)  # three days pass: the thread archived itself, leaving the bot's cache
    assert nworld.bot.get_guild(nworld.guild.id if nworld.guild else 0).get_thread(thread.id) is None  # type: ignore[union-attr]
    await nworld.discord.state.wait_for(lambda: _closed(thread), 5)
