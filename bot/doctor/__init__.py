"""``python -m bot doctor`` and ``/programme doctor``: before a real start, check each programme's Discord
server with the real token (the bot's permissions where each feature needs them, the privileged intents,
the configured channels and role, the bot's role position) and the X, Bluesky and Mastodon credentials
(do they work, do they allow the replies the programme wants). The answer is a :class:`Checklist` whose
failed lines carry the exact fix. No discord import: Discord is read through :class:`DiscordRest`."""

from __future__ import annotations

from collections.abc import Iterable

from bot.config import ProgrammeConfig
from bot.doctor.checklist import Check, Checklist
from bot.doctor.discord_checks import DiscordRefused, DiscordRest, check_application, check_guild
from bot.doctor.platform_checks import check_platforms
from bot.services.intake.feeds import BlueskyClientFactory, MastodonClientFactory, XClientFactory

__all__ = ["Check", "Checklist", "DiscordRefused", "DiscordRest", "diagnose"]


async def diagnose(
    programmes: Iterable[ProgrammeConfig],
    rest: DiscordRest,
    *,
    x_client_factory: XClientFactory | None,
    bluesky_client_factory: BlueskyClientFactory | None,
    mastodon_client_factory: MastodonClientFactory | None,
) -> Checklist:
    """Every check for ``programmes``, Discord first."""
    out = Checklist()
    bot = await check_application(rest, out)
    for cfg in programmes:
        if bot is not None:
            await check_guild(rest, cfg, bot, out)
        await check_platforms(cfg, out, x=x_client_factory, bluesky=bluesky_client_factory,
                              mastodon=mastodon_client_factory)
    return out
