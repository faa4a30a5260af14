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


def sandbox_bot_kwargs() -> dict[str, Any]:
    """Client options for sandbox runs: no 2-second wait for guilds after READY."""
    return {"guild_ready_timeout": 0.05}
