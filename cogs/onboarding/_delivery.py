"""Getting a message to a person: their DMs, or a private thread when their DMs are closed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.services.onboarding import Conversation
from bot.services.programmes import Programme
from cogs.onboarding._render import NO_PINGS, Rendered

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
DMS_CLOSED = 50007


def find_text_channel(guild: discord.Guild, name_or_id: str) -> discord.TextChannel | None:
    """A text channel named in config by name or id."""
    if name_or_id.isdigit():
        channel = guild.get_channel(int(name_or_id))
        return channel if isinstance(channel, discord.TextChannel) else None
    wanted = name_or_id.lstrip("#").lower()
    return next((c for c in guild.text_channels if c.name.lower() == wanted), None)


async def guild_text_channel(bot: MentorBot, guild_id: int, name_or_id: str) -> discord.abc.Messageable | None:
    """A guild's text channel by name or id, also from a process of a sharded cluster whose shards do not
    include that guild (it is not in this process's cache: asked over REST)."""
    guild = bot.get_guild(guild_id)
    if guild is not None:
        return find_text_channel(guild, name_or_id)
    try:
        channels = await bot.http.get_all_guild_channels(guild_id)
    except discord.HTTPException as exc:
        log.warning("could not list the channels of guild %s: %s", guild_id, exc)
        return None
    wanted = name_or_id.lstrip("#").lower()
    for data in channels:
        if int(data.get("type", -1)) == 0 and (str(data["id"]) == name_or_id or str(data.get("name", "")).lower() == wanted):
            return bot.get_partial_messageable(int(data["id"]), guild_id=guild_id)
    return None


async def tell_organisers(bot: MentorBot, programme: Programme, text: str) -> None:
    """Post in the programme's organisers/leads channel (logged when there is none)."""
    channel = await guild_text_channel(bot, programme.guild_id, programme.config.leads_channel)
    if channel is None:
        log.warning("no organisers channel %r for %s: %s", programme.config.leads_channel, programme.key, text)
        return
    try:
        await bot.pacer_send(channel, content=text[:2000], allowed_mentions=NO_PINGS)
    except discord.HTTPException as exc:
        log.warning("could not tell organisers of %s: %s", programme.key, exc)


async def _open_thread(bot: MentorBot, programme: Programme, user_id: int, name: str) -> discord.Thread | None:
    guild = bot.get_guild(programme.guild_id)
    if guild is None:
        return None
    parent = find_text_channel(guild, programme.config.onboarding_channel)
    if parent is None:
        log.warning("programme %s has no onboarding channel %r", programme.key, programme.config.onboarding_channel)
        return None
    thread = await parent.create_thread(
        name=f"onboarding – {name}"[:100], type=discord.ChannelType.private_thread, invitable=False
    )
    await thread.add_user(discord.Object(id=user_id))
    return thread


async def deliver(bot: MentorBot, conv: Conversation, rendered: Rendered, user_id: int, name: str) -> bool:
    """Send ``rendered`` where this conversation lives; open it (DM, else private thread) when new.

    Returns ``False`` when the person could not be reached at all (organisers are told).
    """
    services = bot.services
    kwargs = {"content": rendered.content, "embed": rendered.embed, "view": rendered.view,
              "allowed_mentions": NO_PINGS}
    if conv.channel_id is not None:
        channel = bot.get_channel(conv.channel_id)
        try:
            if channel is None:
                fetched = await bot.fetch_channel(conv.channel_id)
                channel = fetched if isinstance(fetched, discord.abc.Messageable) else None
            if isinstance(channel, discord.abc.Messageable):
                await bot.pacer_send(channel, **kwargs)
                return True
        except discord.Forbidden as exc:
            if exc.code != DMS_CLOSED:
                raise
        except discord.NotFound:
            pass
    person_dms_closed = False
    if conv.channel_id is None or not conv.in_thread:
        try:
            user = bot.get_user(user_id) or await bot.fetch_user(user_id)
            dm = user.dm_channel or await bot.pacer_create_dm(user)
            await bot.pacer_send(dm, **kwargs)
            await services.onboarding.set_channel(conv.session_id, dm.id, in_thread=False)
            return True
        except discord.Forbidden as exc:
            if exc.code != DMS_CLOSED:
                log.warning("cannot DM %s: %s", user_id, exc)
            person_dms_closed = True
    if person_dms_closed:
        await services.onboarding.mark_dms_closed(conv.person_id)
    thread = await _open_thread(bot, conv.programme, user_id, name)
    if thread is None:
        await tell_organisers(bot, conv.programme,
                              f"⚠️ I can't reach <@{user_id}> for onboarding: their DMs are closed and the "
                              f"onboarding channel '{conv.programme.config.onboarding_channel}' is missing.")
        return False
    await bot.pacer_send(thread, content=f"<@{user_id}> your DMs are closed, so let's talk here — only you and "
                                         "the organisers can see this thread.",
                         allowed_mentions=discord.AllowedMentions(users=[discord.Object(id=user_id)]))
    await bot.pacer_send(thread, **kwargs)
    await services.onboarding.set_channel(conv.session_id, thread.id, in_thread=True)
    await tell_organisers(bot, conv.programme,
                          f"🔒 <@{user_id}> has DMs closed; their onboarding continues in {thread.mention}.")
    return True
