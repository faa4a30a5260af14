"""The one place that points discord.py at a local Discord. Product code calls only these functions."""

from __future__ import annotations

from typing import Any

import discord.gateway
import discord.http
import yarl

_DEFAULTS = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


def point_discord_at(base_url: str, gateway_url: str) -> None:
    """Send discord.py's REST (incl. interaction callbacks and follow-ups) and Gateway to the sandbox."""
    discord.http.Route.BASE = base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def restore_discord_defaults() -> None:
    """Point discord.py back at the real Discord."""
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = _DEFAULTS


#: the local Discord does not limit IDENTIFYs: an in-process bot's shards (and a session identified again after
#: Discord ended it) wait a tenth of Discord's 5 s, not the whole. The reliability suite's bot processes keep
#: Discord's 5 s: the rhythm of its kills and the timing of its X polls are set against that start-up time.
SANDBOX_IDENTIFY_SPACING_S = 0.5


def sandbox_bot_kwargs() -> dict[str, Any]:
    """Client options for sandbox runs: no 2-second wait for guilds after READY."""
    return {"guild_ready_timeout": 0.05}


def sandbox_mentorbot_kwargs() -> dict[str, Any]:
    """The bot's options for sandbox runs: the client's, and its IDENTIFYs spaced as the local Discord allows."""
    return {**sandbox_bot_kwargs(), "identify_spacing_s": SANDBOX_IDENTIFY_SPACING_S}
