"""The Discord side of sending surveys (:class:`bot.services.surveys.SurveyChannels`): by DM only — answers are
personal, so a survey never goes to a pair's shared space — or found again by its marker after a crash."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.services.nudges.dispatch import Posted, SendOutcome
from bot.services.surveys import SurveyDelivery
from cogs.kit.messaging import NO_PINGS, messageable, send_to_person
from cogs.surveys._views import step_view

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
HISTORY_LIMIT = 50


class DiscordSurveyChannels:
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def send(self, d: SurveyDelivery) -> SendOutcome:
        if d.discord_user_id is None or d.dms_closed:
            return SendOutcome(None, "dms closed")
        msg = await send_to_person(self.bot, d.discord_user_id, d.dm_channel_id, False, None, content=d.text,
                                   view=step_view(d.step), allowed_mentions=NO_PINGS)
        if msg is None:
            return SendOutcome(None, "dms closed", dms_found_closed=True)
        return SendOutcome(Posted(msg.channel.id, msg.id))

    async def find_sent(self, d: SurveyDelivery) -> Posted | None:
        if d.dm_channel_id is None:
            return None
        me = self.bot.user.id if self.bot.user else 0
        try:
            async for msg in messageable(self.bot, d.dm_channel_id, dm=True).history(limit=HISTORY_LIMIT):
                if msg.author.id == me and d.marker in msg.content.split():
                    return Posted(msg.channel.id, msg.id)
        except discord.HTTPException as exc:
            log.warning("could not search for survey %s: %s", d.nudge_id, exc)
        return None
