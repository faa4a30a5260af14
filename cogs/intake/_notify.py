"""Reaching the organisers for the intake service: queued leads and "polling stopped" in the leads channel."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.intake.outcomes import ClaimResult, QueuedLead
from bot.intake.source import platform_name
from cogs.kit.messaging import tell_organisers

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)


class OrganiserQueue:
    """The :class:`~bot.intake.outcomes.IntakeNotifier` of the running bot."""

    def __init__(self, bot: MentorBot,
                 on_proven: Callable[[Any, int, ClaimResult, Any], Awaitable[None]] | None = None) -> None:
        self.bot = bot
        self.on_proven = on_proven

    async def identity_proven(self, programme: Any, discord_user_id: int, result: ClaimResult, who: Any) -> None:
        if self.on_proven is not None:
            await self.on_proven(programme, discord_user_id, result, who)

    async def lead_queued(self, programme: Any, lead: QueuedLead) -> bool:
        return await tell_organisers(self.bot, programme, lead.message)

    async def replies_stopped(self, programme: Any, reason: str, where: str, platform: str) -> bool:
        return await tell_organisers(
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
        await tell_organisers(
            self.bot, programme,
            f"⚠️ I've stopped reading {where}: {reason}\n{fix}, then run `/leads resume`.",
        )
