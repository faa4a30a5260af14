"""Test set-up for nudges: pairs written straight to storage (the matching cog is not needed), with personas
in the guild so DMs work, an onboarding DM channel already known, and optionally a private space."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from bot.sandbox.discord import Channel, ChannelType, Message, Overwrite
from bot.sandbox.discord import permissions as perm
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import Match
from storage.queries import matching, onboarding, people
from tests.support.database import drop_test_schema
from tests.support.world import make_world


@dataclass
class Member:
    persona: Persona
    person_id: int
    zone: str


@dataclass
class Pair:
    match_id: int
    mentor: Member
    mentee: Member
    space: Channel | None

    @property
    def members(self) -> tuple[Member, Member]:
        return self.mentor, self.mentee


async def add_member(world: SandboxWorld, name: str, zone: str, *, dms_open: bool = True,
                     known_dm: bool = True, answers: dict[str, object] | None = None) -> Member:
    assert world.guild is not None
    persona = world.person(name, dms_open=dms_open)
    await persona.join(world.guild)
    programme = world.bot.services.programmes.all()[0]
    if "cogs.onboarding" in world.bot.extensions:  # the bot welcomes them too: its welcome makes their row first
        await _welcomed(world, programme.id, persona.id)
    now = world.clock.now()
    async with transaction(world.bot.sessions) as s:
        person, _ = await people.get_or_create_person(session=s, programme_id=programme.id,
                                                      discord_user_id=persona.id, display_name=name, now=now)
        await people.set_person_status(session=s, person_id=person.id or 0, status="active", now=now)
        await people.upsert_profile(session=s, person_id=person.id or 0, programme_id=programme.id,
                                    answers=answers or {"timezone": zone}, consent_at=now, now=now)
        if known_dm:  # they went through onboarding in their DMs
            dm = world.discord.state.open_dm(persona.id)
            conv, _ = await onboarding.get_or_create_session(session=s, person_id=person.id or 0,
                                                             programme_id=programme.id, state={}, now=now)
            await onboarding.set_channel(session=s, session_id=conv.id or 0, channel_id=dm.id, in_thread=False)
    return Member(persona, person.id or 0, zone)


async def _welcomed(world: SandboxWorld, programme_id: int, discord_user_id: int, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Until the bot's welcome of someone who joined has shown its first question (their person row and interview
    are the bot's then: writing them meanwhile raced the welcome for the row, and lost on PostgreSQL)."""
    deadline = time.monotonic() + timeout
    while True:
        async with world.bot.sessions() as s:
            person = await people.get_person_by_discord(session=s, programme_id=programme_id,
                                                        discord_user_id=discord_user_id)
            conv = await onboarding.get_session(session=s, person_id=person.id or 0, programme_id=programme_id) \
                if person is not None else None
        if conv is not None and conv.last_prompt_message_id is not None:
            return
        assert time.monotonic() < deadline, f"the bot never welcomed {discord_user_id}"
        await asyncio.sleep(0.02)


def make_space(world: SandboxWorld, name: str, *members: Persona) -> Channel:
    assert world.guild is not None and world.organisers is not None
    guild = world.guild
    bot_allow = perm.VIEW_CHANNEL | perm.SEND_MESSAGES | perm.READ_MESSAGE_HISTORY | perm.MANAGE_CHANNELS \
        | perm.MANAGE_ROLES
    overwrites = [Overwrite(id=guild.id, type=0, deny=perm.VIEW_CHANNEL),
                  Overwrite(id=world.organisers.id, type=0, allow=perm.VIEW_CHANNEL),
                  Overwrite(id=world.discord.bot_user.id, type=1, allow=bot_allow)]
    overwrites += [Overwrite(id=m.id, type=1, allow=perm.VIEW_CHANNEL | perm.SEND_MESSAGES) for m in members]
    return world.discord.create_text_channel(guild, name, overwrites=overwrites)


async def add_pair(world: SandboxWorld, mentor: Member, mentee: Member, *, started_at: datetime | None = None,
                   space: bool = False, announced: bool = True, reasons: str = "") -> Pair:
    """An active match of the two; ``announced=False``: waiting for the bot to announce it (no space yet)."""
    programme = world.bot.services.programmes.all()[0]
    channel = make_space(world, f"pair-{mentor.persona.name}-{mentee.persona.name}".lower().replace(" ", "-"),
                         mentor.persona, mentee.persona) if space else None
    async with transaction(world.bot.sessions) as s:
        row = await matching.add_match(session=s, match=Match(
            programme_id=programme.id, mentor_person_id=mentor.person_id, mentee_person_id=mentee.person_id,
            status="active", announce_state="done" if announced else "pending", reasons=reasons,
            started_at=started_at or world.clock.now(),
            space_kind="channel" if channel else None, space_id=channel.id if channel else None))
    return Pair(row.id or 0, mentor, mentee, channel)


async def make_pair(world: SandboxWorld, tag: str, mentor_zone: str = "Europe/London",
                    mentee_zone: str = "Europe/London", **kwargs: object) -> Pair:
    mentor = await add_member(world, f"Mentor {tag}", mentor_zone)
    mentee = await add_member(world, f"Mentee {tag}", mentee_zone)
    return await add_pair(world, mentor, mentee, **kwargs)  # type: ignore[arg-type]


def organiser_notices(world: SandboxWorld, member: Member, words: str) -> list[str]:
    """What the bot posted in #organisers about ``member`` (mentioned) that says ``words``."""
    return [p for p in organiser_posts(world) if f"<@{member.persona.id}>" in p and words in p]


def refused_dms(world: SandboxWorld) -> int:
    """How many messages the local Discord refused with 403 (a DM to someone whose DMs are closed)."""
    return len([r for r in world.discord.log.rest if r.method == "POST" and r.path.endswith("/messages")
                and r.status == 403])


def organiser_posts(world: SandboxWorld) -> list[str]:
    """What the bot posted in #organisers, oldest first."""
    assert world.organisers_channel is not None
    cid = world.organisers_channel.id
    found = [m for m in world.discord.state.messages.values() if m.channel_id == cid and not m.deleted]
    return [m.content for m in sorted(found, key=lambda m: m.id)]


def own_threads(world: SandboxWorld, member: Member) -> list[Channel]:
    """The person's own private threads (``#u<person id>``, one per channel they were opened in): where what is
    meant for them alone goes when their DMs are closed."""
    return [c for c in world.discord.state.channels.values()
            if c.type == ChannelType.PRIVATE_THREAD and c.name.endswith(f"#u{member.person_id}")]


def own_thread(world: SandboxWorld, member: Member) -> Channel | None:
    return next(iter(own_threads(world, member)), None)


def posts_in(world: SandboxWorld, channel: Channel | int) -> list[Message]:
    """The bot's and people's messages in ``channel`` (not interaction answers), oldest first."""
    cid = channel if isinstance(channel, int) else channel.id
    return sorted((m for m in world.discord.state.messages.values() if m.channel_id == cid
                   and m.interaction_id is None and not m.deleted), key=lambda m: m.id)


def dms_of(persona: Persona) -> list[str]:
    return [m.content for m in persona.dms()]


@pytest.fixture(name="nworld")
async def nworld_fixture(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """A sandbox world whose bot runs only the nudges cog (joins start no onboarding interview)."""
    w, schema = await make_world(tmp_path_factory, extensions=["cogs.nudges"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)
