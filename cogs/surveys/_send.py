"""The Discord side of sending surveys (:class:`bot.services.surveys.SurveyChannels`): by DM, and with DMs
closed in a private thread only the person sees — answers are personal, so a survey never goes to a pair's
shared space — or found again by its markers after a crash."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.services.programmes import Programme
from bot.services.scheduled_dms import Posted, SendOutcome
from bot.services.surveys import SurveyDelivery
from cogs.kit.messaging import (
    NO_PINGS,
    messageable,
    once_nonce,
    private_thread,
    send_privately,
    tell_organisers,
)
from cogs.surveys._views import batch_view, step_view

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
HISTORY_LIMIT = 50


class DiscordSurveyChannels:
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def send(self, d: SurveyDelivery) -> SendOutcome:
        if d.discord_user_id is None:
            return SendOutcome(None, "no Discord account")
        view = batch_view(d.batch) if d.batch else step_view(d.step)
        kwargs: dict[str, Any] = {"content": d.text, "allowed_mentions": NO_PINGS, "nonce": once_nonce(d.markers)}
        if view is not None:
            kwargs["view"] = view
        msg = await send_privately(self.bot, d.programme, d.person_id, d.discord_user_id, d.dm_channel_id,
                                   d.dms_closed, d.space_id, **kwargs)
        closed_now = not d.dms_closed and (msg is None or isinstance(msg.channel, discord.Thread))
        if msg is None:
            return SendOutcome(None, "DMs closed and no private thread", dms_found_closed=closed_now,
                               organisers_notice=f"⚠️ I can't reach <@{d.discord_user_id}> with a survey: their DMs "
                                                 "are closed and I could not open a private thread for them.")
        return SendOutcome(Posted(msg.channel.id, msg.id), dms_found_closed=closed_now)

    async def find_sent(self, d: SurveyDelivery) -> Posted | None:
        candidates: list[discord.abc.Messageable] = []
        if d.dm_channel_id is not None:
            candidates.append(messageable(self.bot, d.dm_channel_id, dm=True))
        if d.discord_user_id is not None:
            thread = await private_thread(self.bot, d.programme, d.person_id, d.discord_user_id, d.space_id,
                                          create=False)
            candidates += [thread] if thread is not None else []
        me = self.bot.user.id if self.bot.user else 0
        wanted = {f"ref:n{nid}": nid for nid, _ in d.held}
        for channel in candidates:
            try:
                async for msg in channel.history(limit=HISTORY_LIMIT):
                    found = {wanted[w] for w in msg.content.split() if w in wanted}
                    if msg.author.id == me and found:
                        return Posted(msg.channel.id, msg.id, frozenset(found))
            except discord.HTTPException as exc:
                log.warning("could not search for survey %s: %s", d.nudge_id, exc)
        return None

    async def tell_organisers(self, programme: Programme, text: str) -> None:
        await tell_organisers(self.bot, programme, text)
