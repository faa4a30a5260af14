"""Getting one nudge out: the person's DMs, else the pair's space, else the organisers hear about it.
A nudge claimed before (``attempts > 1``) is first looked for by its marker, so a crash between sending
and recording never sends it twice."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.services.nudges import Delivery, NudgeService, has_marker
from cogs.kit.messaging import NO_PINGS, guild_text_channel, messageable, send_to_person, tell_organisers
from cogs.nudges._views import nudge_view
from storage.models import NudgeKind

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
HISTORY_LIMIT = 50
DIGEST_SEARCH_LIMIT = 10_000  # messages since a digest fell due that are searched for it after a crash


class SentNotRecorded(Exception):
    """The message went out but the database could not record it: never retry the send itself; the
    claim goes stale and the next claim finds the message by its marker."""


async def record_after_send(service: NudgeService, nudge_id: int, channel_id: int, message_id: int) -> None:
    """Record a sent nudge, riding out a database that is briefly away (a restart takes seconds)."""
    delay = 0.5
    for attempt in range(7):
        try:
            await service.record_sent(nudge_id, channel_id, message_id)
            return
        except Exception as exc:
            if attempt == 6:
                raise SentNotRecorded(f"nudge {nudge_id} sent as message {message_id}: {exc}") from exc
            log.warning("nudge %s was sent but not recorded yet (%s); trying again", nudge_id, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)


async def find_sent(bot: MentorBot, service: NudgeService, d: Delivery) -> bool:
    """Look in the recent messages where this nudge would have gone for its marker; record it if found."""
    candidates: list[discord.abc.Messageable] = []
    if d.kind == NudgeKind.DIGEST:
        leads = await guild_text_channel(bot, d.programme.guild_id, d.programme.config.leads_channel)
        candidates += [leads] if leads else []
    else:
        if d.dm_channel_id is not None:
            candidates.append(messageable(bot, d.dm_channel_id, dm=True))
        elif d.discord_user_id is not None and not d.dms_closed:
            user = bot.get_user(d.discord_user_id)
            if user is not None and user.dm_channel is not None:
                candidates.append(user.dm_channel)
            elif user is not None:
                candidates.append(await bot.pacer_create_dm(user))
        if d.space_id is not None:
            candidates.append(messageable(bot, d.space_id))
    me = bot.user.id if bot.user else 0
    # a digest goes to a busy channel: read every message since it fell due, not only the last 50
    since = discord.Object(id=discord.utils.time_snowflake(d.due_at)) if d.due_at is not None else None
    for channel in candidates:
        try:
            history = channel.history(limit=DIGEST_SEARCH_LIMIT, after=since, oldest_first=True) \
                if since is not None else channel.history(limit=HISTORY_LIMIT)
            async for msg in history:
                if msg.author.id == me and has_marker(msg.content, d.nudge_id):
                    await record_after_send(service, d.nudge_id, msg.channel.id, msg.id)
                    log.info("nudge %s was already sent (message %s); recorded, not resent", d.nudge_id, msg.id)
                    return True
        except discord.HTTPException as exc:
            log.warning("could not search %s for nudge %s: %s", getattr(channel, "id", "?"), d.nudge_id, exc)
    return False


async def deliver(bot: MentorBot, service: NudgeService, d: Delivery) -> None:
    """Send one prepared nudge and record it."""
    if d.kind == NudgeKind.DIGEST:
        # the guild may live on another shard process: guild_text_channel asks over REST then
        channel = await guild_text_channel(bot, d.programme.guild_id, d.programme.config.leads_channel)
        if channel is None:
            await service.record_failed(d.nudge_id, "no organisers channel")
            log.warning("no organisers channel for the digest of %s", d.programme.key)
            return
        posted = await bot.pacer_send(channel, content=f"{d.text}\n-# {d.marker}", allowed_mentions=NO_PINGS)
        await record_after_send(service, d.nudge_id, posted.channel.id, posted.id)
        return
    if d.discord_user_id is None:
        await service.record_failed(d.nudge_id, "no Discord account")
        return
    kwargs: dict[str, Any] = {"content": d.text, "allowed_mentions": NO_PINGS}
    view = nudge_view(d)
    if view is not None:
        kwargs["view"] = view
    msg = await send_to_person(bot, d.discord_user_id, d.dm_channel_id, d.dms_closed, d.space_id, **kwargs)
    if not d.dms_closed and d.person_id is not None and (msg is None or msg.channel.id == d.space_id):
        await service.mark_dms_closed(d.person_id)
    if msg is None:
        await service.record_failed(d.nudge_id, "DMs closed and no shared space")
        await tell_organisers(bot, d.programme, f"⚠️ I can't reach <@{d.discord_user_id}> with a check-in: their "
                                                "DMs are closed and their pair has no shared space.")
        return
    await record_after_send(service, d.nudge_id, msg.channel.id, msg.id)
