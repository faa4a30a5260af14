"""The Discord side of sending surveys (:class:`bot.services.surveys.SurveyChannels`): by DM, and with DMs
closed in a private thread only the person sees — answers are personal, so a survey never goes to a pair's
shared space — or found again by its markers after a crash."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.services.programmes import Programme
from bot.services.scheduled_dms import Posted, SendOutcome
from bot.services.surveys import SurveyDelivery
from cogs.kit.messaging import (
    NO_PINGS,
    find_personal,
    once_nonce,
    send_personal,
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
        view = batch_view(d.batch) if d.batch else step_view(d.step)
        kwargs: dict[str, Any] = {"content": d.text, "allowed_mentions": NO_PINGS, "nonce": once_nonce(d.markers)}
        if view is not None:
            kwargs["view"] = view
        return await send_personal(self.bot, d, "with a survey", **kwargs)

    async def find_sent(self, d: SurveyDelivery) -> Posted | None:
        return await find_personal(self.bot, d, {f"ref:n{nid}": nid for nid, _ in d.held}, HISTORY_LIMIT)

    async def tell_organisers(self, programme: Programme, text: str) -> None:
        await tell_organisers(self.bot, programme, text)
