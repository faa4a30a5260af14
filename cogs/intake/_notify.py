"""Reaching the organisers for the intake service: queued leads and "polling stopped" in the leads channel."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.intake.outcomes import ClaimResult, QueuedLead
from bot.intake.source import platform_name
from bot.services.programmes import Programme
from cogs.onboarding._delivery import find_text_channel, guild_text_channel

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()


def leads_channel(bot: MentorBot, programme: Programme) -> discord.TextChannel | None:
    guild = bot.get_guild(programme.guild_id)
    return find_text_channel(guild, programme.config.leads_channel) if guild else None


async def post_to_organisers(bot: MentorBot, programme: Programme, text: str) -> bool:
    """Post in the programme's leads channel without pinging anyone; ``True`` when it was posted. Works
    from any process of a sharded cluster (the X poller runs wherever its advisory lock is free)."""
    channel = await guild_text_channel(bot, programme.guild_id, programme.config.leads_channel)
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

    def __init__(self, bot: MentorBot,
                 on_proven: Callable[[Any, int, ClaimResult], Awaitable[None]] | None = None) -> None:
        self.bot = bot
        self.on_proven = on_proven

    async def identity_proven(self, programme: Any, discord_user_id: int, result: ClaimResult) -> None:
        if self.on_proven is not None:
            await self.on_proven(programme, discord_user_id, result)

    async def lead_queued(self, programme: Any, lead: QueuedLead) -> bool:
        return await post_to_organisers(self.bot, programme, lead.message)

    async def replies_stopped(self, programme: Any, reason: str, where: str, platform: str) -> bool:
        return await post_to_organisers(
            self.bot, programme,
            f"⚠️ I can't reply to posts on {where}: {reason}\nUntil that is fixed, its leads come to this channel "
            "with a ready-to-copy reply. Once fixed, restart the bot or run `/leads resume` "
            "(`python -m bot doctor` checks the credentials).",
        )

    async def polling_stopped(self, programme: Any, reason: str, where: str | None = None, platform: str = "x") -> None:
        if where is None:
            where = " ".join(f"#{t}" for t in programme.config.intake.hashtags) + " on X"
        fix = {
            "x": "Fix the bot's X access (credentials, app permissions or plan)",
            "bluesky": "Fix the bot's Bluesky access (its handle and app password)",
            "mastodon": "Fix the bot's access to that Mastodon instance (its access token, or the instance's "
                        "hashtag feed settings)",
        }.get(platform, f"Fix the bot's {platform_name(platform)} access")
        await post_to_organisers(
            self.bot, programme,
            f"⚠️ I've stopped reading {where}: {reason}\n{fix}, then run `/leads resume`.",
        )
