"""The local Discord's guild scheduled events, driven by discord.py's own API: created, listed, marked
"Interested" by people (USER_ADD / USER_REMOVE reach the bot), paged, started, ended and cancelled as Discord's
OpenAPI document describes (the autouse conformance guard checks every exchange)."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest

from bot.sandbox.discord import Guild, RequestLog, SandboxDiscord
from bot.sandbox.discord.model import EventStatus
from tests.support.minibot import MiniBot


async def _event(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> discord.ScheduledEvent:
    dguild = bot.get_guild(guild.id)
    assert dguild is not None
    start = sandbox.state.clock.now() + timedelta(days=3)
    return await dguild.create_scheduled_event(
        name="Mentors' development day", start_time=start, end_time=start + timedelta(hours=3),
        entity_type=discord.EntityType.external, location="https://meet.example/dev-day",
        privacy_level=discord.PrivacyLevel.guild_only, description="A day together")


async def test_a_created_event_is_listed_and_people_can_mark_interested(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    event = await _event(bot, sandbox, guild)
    dguild = bot.get_guild(guild.id)
    assert dguild is not None
    listed = await dguild.fetch_scheduled_events(with_counts=True)
    assert [e.name for e in listed] == ["Mentors' development day"]
    assert listed[0].location == "https://meet.example/dev-day"

    added: list[int] = []
    removed: list[int] = []

    async def on_add(_event: discord.ScheduledEvent, user: discord.User) -> None:
        added.append(user.id)

    async def on_remove(_event: discord.ScheduledEvent, user: discord.User) -> None:
        removed.append(user.id)

    bot.add_listener(on_add, "on_scheduled_event_user_add")
    bot.add_listener(on_remove, "on_scheduled_event_user_remove")
    people = [sandbox.person(f"Runner {i}") for i in range(3)]
    for p in people:
        await p.join(guild)
    await sandbox.state.wait_for(lambda: all(dguild.get_member(p.id) for p in people), timeout=3)
    for p in people:
        p.mark_interested(event.id)
    people[1].mark_interested(event.id, False)
    await sandbox.state.wait_for(lambda: len(added) == 3 and len(removed) == 1, timeout=3)
    assert removed == [people[1].id]

    users = [u async for u in event.users(limit=None)]
    assert sorted(u.id for u in users) == sorted([people[0].id, people[2].id])
    fetched = await dguild.fetch_scheduled_event(event.id, with_counts=True)
    assert fetched.user_count == 2


async def test_event_users_page_by_hundred(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog) -> None:
    event = await _event(bot, sandbox, guild)
    state = sandbox.state
    people = [sandbox.person(f"P{i}") for i in range(130)]
    for p in people:
        await p.join(guild)
        p.mark_interested(event.id)
    users = [u async for u in event.users(limit=None)]
    assert len({u.id for u in users}) == 130
    pages = log.requests("GET", f"/guilds/{guild.id}/scheduled-events/{event.id}/users")
    assert len(pages) >= 2
    assert len(state.guilds[guild.id].scheduled_events[event.id].interested) == 130


async def test_status_moves_forward_only_and_cancel_ends_it(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    event = await _event(bot, sandbox, guild)
    started = await event.start()
    assert started.status is discord.EventStatus.active
    with pytest.raises(discord.HTTPException):  # an active event can only end, never be cancelled
        await bot.http.edit_scheduled_event(guild.id, event.id, status=4)
    ended = await started.end()
    assert ended.status is discord.EventStatus.completed
    stored = sandbox.state.guilds[guild.id].scheduled_events[event.id]
    assert stored.status == EventStatus.COMPLETED
    other = await _event(bot, sandbox, guild)
    await other.delete()
    assert other.id not in sandbox.state.guilds[guild.id].scheduled_events


async def test_an_external_event_needs_an_end_time(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    dguild = bot.get_guild(guild.id)
    assert dguild is not None
    with pytest.raises((discord.HTTPException, TypeError)):
        await dguild.create_scheduled_event(
            name="No end", start_time=sandbox.state.clock.now() + timedelta(days=1),
            entity_type=discord.EntityType.external, location="Leeds", privacy_level=discord.PrivacyLevel.guild_only)
