"""The offers job: finds the people due an offer (the service claims each once) and DMs them."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.app import MentorBot
from bot.services.programmes import Programme
from cogs.kit.messaging import NO_PINGS, once_nonce, send_privately, tell_organisers
from cogs.stories._views import offer_view

log = logging.getLogger(__name__)
JOB_NAME = "story-offers"


class DiscordStoryOutlets:
    """The service's :class:`~bot.services.stories.StoryOutlets` on the running bot."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def tell_organisers(self, programme: Programme, text: str) -> bool:
        return await tell_organisers(self.bot, programme, text[:2000])


class Stories(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        bot.services.stories.outlets = DiscordStoryOutlets(bot)

    async def cog_load(self) -> None:
        self.bot.add_periodic(JOB_NAME, self.offer, seconds=1800)

    async def offer(self) -> None:
        """DM each offer due (the service made each one's row first: never offered twice); with DMs closed, in
        the person's own private thread."""
        if not self.bot.is_ready():
            return
        for programme in self.bot.services.programmes.all():
            for offer in await self.bot.services.stories.offers_due(programme):
                try:
                    msg, _ = await send_privately(  # closed DMs: their own private thread
                        self.bot, offer.programme, offer.person_id, offer.discord_user_id, offer.dm_channel_id,
                        offer.dms_closed, None, dms_marked=offer.dms_marked, content=offer.text[:2000],
                        allowed_mentions=NO_PINGS, nonce=once_nonce(f"ref story-{offer.story_id}"),
                        view=offer_view(offer.story_id, offer.programme.id, offer.programme.config.messages().stories))
                except discord.HTTPException as exc:
                    log.warning("could not offer story %s: %s", offer.story_id, exc)
                    msg = None
                await self.bot.services.stories.record_offer(offer.story_id, delivered=msg is not None)
