"""The Discord side of dispatching nudges (:class:`bot.services.nudges.dispatch.NudgeChannels`): send one
(the person's DMs, else the pair's space, else their own private thread), or find one sent before a crash by its
marker."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.services.nudges import Delivery, has_marker, markers_in
from bot.services.programmes import Programme
from bot.services.scheduled_dms import Posted, SendOutcome
from cogs.kit.messaging import (
    NO_PINGS,
    guild_text_channel,
    messageable,
    once_nonce,
    private_thread,
    reach_privately,
    send_to_person,
    tell_organisers,
    unreachable_notice,
)
from cogs.nudges._batch import batch_message
from cogs.nudges._views import nudge_view
from storage.models import NudgeKind

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
HISTORY_LIMIT = 50
DIGEST_SEARCH_LIMIT = 10_000  # messages since a digest fell due that are searched for it after a crash


async def find_sent(bot: MentorBot, d: Delivery) -> Posted | None:
    """Look in the recent messages where this nudge would have gone for its marker."""
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
        if not d.private and d.space_id is not None:
            candidates.append(messageable(bot, d.space_id))
        if d.person_id is not None and d.discord_user_id is not None:
            # a pod's check-in with DMs closed; a pair's whose space is none, or was found deleted: their own thread
            thread = await private_thread(bot, d.programme, d.person_id, d.discord_user_id,
                                          d.space_id if d.private else None, create=False)
            candidates += [thread] if thread is not None else []
    me = bot.user.id if bot.user else 0
    # a digest goes to a busy channel: read every message since it fell due, not only the last 50
    since = discord.Object(id=discord.utils.time_snowflake(d.due_at)) if d.due_at is not None else None
    for channel in candidates:
        try:
            history = channel.history(limit=DIGEST_SEARCH_LIMIT, after=since, oldest_first=True) \
                if since is not None else channel.history(limit=HISTORY_LIMIT)
            async for msg in history:
                if msg.author.id == me and any(has_marker(msg.content, nid) for nid in d.nudge_ids):
                    return Posted(msg.channel.id, msg.id, markers_in(msg.content))
        except discord.HTTPException as exc:
            log.warning("could not search %s for nudge %s: %s", getattr(channel, "id", "?"), d.nudge_id, exc)
    return None


async def send(bot: MentorBot, d: Delivery) -> SendOutcome:
    """Send one prepared nudge: a digest to the organisers' channel, a check-in to the person's DMs, else their
    pair's space, else (a pod; no space, or one an organiser deleted) their own private thread. A space found
    deleted is forgotten by its pair's match, and the organisers told once per pair."""
    if d.kind == NudgeKind.DIGEST:
        # the guild may live on another shard process: guild_text_channel asks over REST then
        channel = await guild_text_channel(bot, d.programme.guild_id, d.programme.config.leads_channel)
        if channel is None:
            log.warning("no organisers channel for the digest of %s", d.programme.key)
            return SendOutcome(None, "no organisers channel")
        posted = await bot.pacer_send(channel, content=f"{d.text}\n-# {d.marker}", allowed_mentions=NO_PINGS,
                                      nonce=once_nonce(d.marker))
        return SendOutcome(Posted(posted.channel.id, posted.id))
    if d.discord_user_id is None:
        return SendOutcome(None, "no Discord account")
    # the same nonce on every attempt: a retry, or a process that took the claim over while this send was in
    # flight, gets the message already made back instead of sending a second one (a batched check-in's nonce is
    # that of all its pairings: the same message only for the same pairings)
    ref = " ".join(f"ref:n{nid}" for nid in d.nudge_ids) if d.batch else d.marker
    kwargs: dict[str, Any] = {"content": d.text, "allowed_mentions": NO_PINGS, "nonce": once_nonce(ref)}
    if d.batch:
        kwargs.update(batch_message(d))
    else:
        view = nudge_view(d)
        if view is not None:
            kwargs["view"] = view
    if d.private and d.person_id is not None:  # a pod: with DMs closed, a thread only they see, not the pod
        msg, fell_back = await reach_privately(bot, d.programme, d.person_id, d.discord_user_id, d.dm_channel_id,
                                               d.dms_closed, d.space_id, **kwargs)
        closed_now = not d.dms_closed and fell_back
        return _outcome(d, msg, closed_now)
    msg = None if d.dms_closed else \
        await send_to_person(bot, d.discord_user_id, d.dm_channel_id, False, None, **kwargs)
    closed_now = not d.dms_closed and msg is None
    if msg is None and d.space_id is not None:
        try:
            msg = await send_to_person(bot, d.discord_user_id, None, True, d.space_id, **kwargs)
        except discord.NotFound:  # an organiser deleted the pair's space: the pair forgets it, organisers told once
            for notice in await bot.services.nudges.space_gone(list(d.nudge_ids), d.space_id):
                await tell_organisers(bot, d.programme, notice)
            return await _privately(bot, d, closed_now, **kwargs)
        return _outcome(d, msg, closed_now)
    if msg is None and d.batch and closed_now:
        # their pairings have no one shared space: next time each check-in goes on its own
        return SendOutcome(None, "DMs closed", dms_found_closed=True, retry=True)
    if msg is None:  # no space (none made, or one found deleted before): their own private thread
        return await _privately(bot, d, closed_now, **kwargs)
    return _outcome(d, msg, closed_now)


async def _privately(bot: MentorBot, d: Delivery, closed_now: bool, **kwargs: Any) -> SendOutcome:
    """A check-in whose DM is closed (or was just refused: not tried again) and whose pair has no space, in the
    person's own private thread (the same nonce: a retry gets the same message back)."""
    assert d.person_id is not None and d.discord_user_id is not None
    msg, _ = await reach_privately(bot, d.programme, d.person_id, d.discord_user_id, None, True, None, **kwargs)
    return _outcome(d, msg, closed_now)


def _outcome(d: Delivery, msg: discord.Message | None, closed_now: bool) -> SendOutcome:
    if msg is None:
        return SendOutcome(None, "DMs closed and no private thread", dms_found_closed=closed_now,
                           organisers_notice=unreachable_notice(d.discord_user_id or 0, "with a check-in"))
    fell_back = closed_now or d.dms_closed
    return SendOutcome(Posted(msg.channel.id, msg.id), dms_found_closed=closed_now, reached_by_dm=not fell_back)


class DiscordNudgeChannels:
    """The dispatcher's :class:`~bot.services.nudges.dispatch.NudgeChannels`, on the running bot."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def send(self, delivery: Delivery) -> SendOutcome:
        return await send(self.bot, delivery)

    async def find_sent(self, delivery: Delivery) -> Posted | None:
        return await find_sent(self.bot, delivery)

    async def tell_organisers(self, programme: Programme, text: str) -> None:
        await tell_organisers(self.bot, programme, text)
