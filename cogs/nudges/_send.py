"""Getting one nudge out: the person's DMs, else the pair's space, else the organisers hear about it.
A nudge claimed before (``attempts > 1``) is first looked for by its marker, so a crash between sending
and recording never sends it twice."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.nudges.answers import CHECKIN_BUTTONS, END_CONFIRM_BUTTONS, NudgeButton, nudge_custom_id
from bot.services.nudges import Delivery, NudgeService, PartnerPrompt, has_marker
from cogs.onboarding._delivery import DMS_CLOSED, guild_text_channel, tell_organisers
from cogs.onboarding._render import NO_PINGS
from storage.models import NudgeKind

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
HISTORY_LIMIT = 50
_STYLES = {"primary": discord.ButtonStyle.primary, "secondary": discord.ButtonStyle.secondary,
           "success": discord.ButtonStyle.success, "danger": discord.ButtonStyle.danger}


def note_custom_id(nudge_id: int) -> str:
    return f"nudgenote:{nudge_id}"


def _view(buttons: tuple[NudgeButton, ...], nudge_id: int, *, note: str | None) -> discord.ui.View:
    """Persistent buttons (handled by the DynamicItems in ``_views``); the view itself is not stored."""
    view = discord.ui.View(timeout=None)
    for b in buttons:
        view.add_item(discord.ui.Button(label=b.label, style=_STYLES[b.style],
                                        custom_id=nudge_custom_id(b.answer, nudge_id), row=0))
    if note:
        view.add_item(discord.ui.Button(label=note, style=discord.ButtonStyle.secondary,
                                        custom_id=note_custom_id(nudge_id), row=1))
    view.stop()  # nothing to keep in memory: clicks are routed by custom_id
    return view


def nudge_view(d: Delivery) -> discord.ui.View | None:
    if d.kind == NudgeKind.CHECKIN and d.buttons:
        return _view(CHECKIN_BUTTONS, d.nudge_id, note="Add a note")
    if d.kind == NudgeKind.FEEDBACK:
        return _view((), d.nudge_id, note="Write my feedback")
    return None


def _messageable(bot: MentorBot, channel_id: int, dm: bool = False) -> discord.abc.Messageable:
    found = bot.get_channel(channel_id)
    if isinstance(found, discord.abc.Messageable):
        return found
    kind = discord.ChannelType.private if dm else None
    return bot.get_partial_messageable(channel_id, type=kind)


async def _open_dm(bot: MentorBot, user_id: int, known: int | None) -> discord.abc.Messageable:
    if known is not None:
        return _messageable(bot, known, dm=True)
    user = bot.get_user(user_id)
    if user is None:
        user = await bot.fetch_user(user_id)
    return await bot.pacer_create_dm(user)


async def send_to_person(
    bot: MentorBot, user_id: int, known_dm: int | None, dms_closed: bool, space_id: int | None, **kwargs: Any
) -> discord.Message | None:
    """DM ``user_id`` (paced); on closed DMs post in the pair's space with a mention. None: unreachable.
    Returns the message; raises other HTTP errors."""
    if not dms_closed:
        try:
            try:
                channel = await _open_dm(bot, user_id, known_dm)
                return await bot.pacer_send(channel, **kwargs)
            except discord.NotFound:
                if known_dm is None:
                    raise
                channel = await _open_dm(bot, user_id, None)  # the remembered DM channel is gone
                return await bot.pacer_send(channel, **kwargs)
        except discord.Forbidden as exc:
            if exc.code != DMS_CLOSED:
                raise
            dms_closed = True
    if space_id is None:
        return None
    content = f"<@{user_id}> (your DMs are closed, so here it is in your shared space)\n{kwargs.pop('content', '')}"
    kwargs["allowed_mentions"] = discord.AllowedMentions(users=[discord.Object(id=user_id)])
    return await bot.pacer_send(_messageable(bot, space_id), content=content[:2000], **kwargs)


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
            candidates.append(_messageable(bot, d.dm_channel_id, dm=True))
        elif d.discord_user_id is not None and not d.dms_closed:
            user = bot.get_user(d.discord_user_id)
            if user is not None and user.dm_channel is not None:
                candidates.append(user.dm_channel)
            elif user is not None:
                candidates.append(await bot.pacer_create_dm(user))
        if d.space_id is not None:
            candidates.append(_messageable(bot, d.space_id))
    me = bot.user.id if bot.user else 0
    for channel in candidates:
        try:
            async for msg in channel.history(limit=HISTORY_LIMIT):
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


async def ask_partner(bot: MentorBot, prompt: PartnerPrompt, programme_name: str) -> None:
    """Ask the partner to confirm ending the match (or explain), with two buttons."""
    content = (f"{prompt.requested_by} asked to end your {programme_name} match. Do you agree? "
               "If not, tell us and an organiser will help you two.")
    try:
        msg = await send_to_person(bot, prompt.discord_user_id, prompt.dm_channel_id, prompt.dms_closed,
                                   prompt.space_id, content=content, allowed_mentions=NO_PINGS,
                                   view=_view(END_CONFIRM_BUTTONS, prompt.nudge_id, note=None))
    except discord.HTTPException as exc:
        log.warning("could not ask %s to confirm the end of their match: %s", prompt.discord_user_id, exc)
        msg = None
    if msg is None:
        log.warning("partner %s could not be asked to confirm the end of their match", prompt.discord_user_id)
