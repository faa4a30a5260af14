"""Reaching the organisers for the intake service: queued leads and "polling stopped" in the leads channel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.intake.outcomes import QueuedLead
from bot.services.programmes import Programme
from cogs.onboarding._delivery import find_text_channel

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()


def leads_channel(bot: MentorBot, programme: Programme) -> discord.TextChannel | None:
    guild = bot.get_guild(programme.guild_id)
    return find_text_channel(guild, programme.config.leads_channel) if guild else None


async def post_to_organisers(bot: MentorBot, programme: Programme, text: str) -> bool:
    """Post in the programme's leads channel without pinging anyone; ``True`` when it was posted."""
    channel = leads_channel(bot, programme)
    if channel is None:
        log.warning("no leads channel %r for %s", programme.config.leads_channel, programme.key)
        return False
    try:
        await bot.pacer_send(channel, content=text[:2000], allowed_mentions=NO_PINGS)
    except discord.HTTPException as exc:
        log.warning("could not post to the leads channel of %s: %s", programme.key, exc)
        return False
    return True


class OrganiserQueue:
    """The :class:`~bot.intake.outcomes.IntakeNotifier` of the running bot."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def lead_queued(self, programme: Any, lead: QueuedLead) -> bool:
        return await post_to_organisers(self.bot, programme, lead.message)

    async def polling_stopped(self, programme: Any, reason: str) -> None:
        tags = " ".join(f"#{t}" for t in programme.config.intake.hashtags)
        await post_to_organisers(
            self.bot, programme,
            f"⚠️ I've stopped reading {tags} on X: {reason}\n"
            "Fix the bot's X access (credentials, app permissions or plan), then run `/leads resume`.",
        )
