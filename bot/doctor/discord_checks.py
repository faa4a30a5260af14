"""The doctor's Discord checks, over REST with the real token: the token, the privileged intents the
application allows, and in each programme's server the bot's membership, the configured channels and role,
the bot's role position, and its permissions where each feature needs them.

Reads Discord through :class:`DiscordRest` (a ``get(path)`` returning JSON): the CLI gives it an aiohttp
client (:mod:`bot.doctor.rest`), the slash command discord.py's own HTTP client. No discord import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.config import ProgrammeConfig
from bot.doctor.checklist import Checklist
from bot.doctor.permissions import MANAGE_CHANNELS, Perms, find_channel, names, needs

APP_MEMBERS_INTENT = (1 << 14) | (1 << 15)  # GATEWAY_GUILD_MEMBERS (verified apps) or _LIMITED (< 100 servers)
APP_MESSAGE_CONTENT_INTENT = (1 << 18) | (1 << 19)  # GATEWAY_MESSAGE_CONTENT or _LIMITED
PORTAL = "the Developer Portal (discord.com/developers/applications) → your app → Bot"


class DiscordRefused(Exception):
    """Discord answered ``status`` (with its JSON error ``code``) instead of the resource."""

    def __init__(self, status: int, code: int = 0, message: str = "") -> None:
        super().__init__(f"{status} {message}".strip())
        self.status = status
        self.code = code
        self.message = message


class DiscordRest(Protocol):
    async def get(self, path: str) -> Any:
        """``GET`` an API path (``/users/@me``): the JSON body; raises :class:`DiscordRefused` otherwise."""
        ...


@dataclass(frozen=True)
class BotIdentity:
    id: str
    name: str


async def check_application(rest: DiscordRest, out: Checklist) -> BotIdentity | None:
    """The token and the privileged intents; the bot's id and name (None when the token is refused)."""
    section = "Discord application"
    try:
        me = await rest.get("/users/@me")
    except DiscordRefused as exc:
        out.failed(section, "DISCORD_TOKEN is accepted",
                   f"Discord refused DISCORD_TOKEN ({exc}): copy the token again from {PORTAL} → Reset Token")
        return None
    bot = BotIdentity(str(me["id"]), str(me.get("global_name") or me.get("username") or "the bot"))
    out.passed(section, f"DISCORD_TOKEN logs in as {bot.name}")
    try:
        app = await rest.get("/oauth2/applications/@me")
    except DiscordRefused as exc:
        out.failed(section, "the application's settings can be read", f"Discord answered {exc}")
        return bot
    flags = int(app.get("flags") or 0)
    out.check(section, bool(flags & APP_MEMBERS_INTENT), "Server Members Intent is enabled (joins start onboarding)",
              f"enable Server Members Intent for {bot.name} in {PORTAL} → Privileged Gateway Intents")
    out.check(section, bool(flags & APP_MESSAGE_CONTENT_INTENT),
              "Message Content Intent is enabled (typed answers and claim codes in DMs)",
              f"enable Message Content Intent for {bot.name} in {PORTAL} → Privileged Gateway Intents")
    return bot


def _find_role(roles: Sequence[Mapping[str, Any]], name_or_id: str) -> Mapping[str, Any] | None:
    if name_or_id.isdigit():
        found = next((r for r in roles if str(r.get("id")) == name_or_id), None)
        if found is not None:
            return found
    wanted = name_or_id.lstrip("@")
    return next((r for r in roles if str(r.get("name")) == wanted), None)


async def check_guild(rest: DiscordRest, cfg: ProgrammeConfig, bot: BotIdentity, out: Checklist) -> None:
    """One programme's server: the bot is a member, its channels and role exist, the bot's role position, and
    the bot's permissions where each feature needs them."""
    section = f"Discord server of programme {cfg.key} ({cfg.guild_id})"
    gid = cfg.guild_id
    try:
        guild = await rest.get(f"/guilds/{gid}")
    except DiscordRefused as exc:
        out.failed(section, f"{bot.name} is in server {gid}",
                   f"Discord answered {exc}: invite {bot.name} to that server (OAuth2 URL with the bot and "
                   "applications.commands scopes), or fix the programme's guild_id")
        return
    roles = guild.get("roles") or await rest.get(f"/guilds/{gid}/roles")
    channels = await rest.get(f"/guilds/{gid}/channels")
    member = await rest.get(f"/guilds/{gid}/members/{bot.id}")
    out.passed(section, f"{bot.name} is in {guild.get('name', gid)}")
    perms = Perms(guild, roles, member, bot.id)

    role = _find_role(roles, cfg.organiser_role)
    if out.check(section, role is not None, f"the organiser role {cfg.organiser_role!r} exists",
                 f"no role {cfg.organiser_role!r} in {guild.get('name', gid)}: create it, or set organiser_role "
                 "to an existing role's name or id") and role is not None:
        above = perms.top_position() > int(role.get("position", 0))
        out.check(section, above or perms.owner, f"{bot.name}'s role sits above @{role.get('name')}",
                  f"drag {bot.name}'s role above @{role.get('name')} in Server Settings → Roles (Discord lets a "
                  "bot manage only roles below its highest role)")

    base = perms.base()
    for need in needs(cfg):
        if need.channel is None:
            missing = need.perms & ~base
            out.check(section, not missing, f"{bot.name} may run {need.feature}",
                      f"grant {', '.join(names(missing))} to {bot.name}'s role in Server Settings → Roles")
            continue
        channel = find_channel(channels, need.channel, category=need.category)
        kind = "category" if need.category else "text channel"
        if channel is None:
            if need.setting.startswith("spaces."):  # the bot creates it the first time it needs it
                out.check(section, bool(base & MANAGE_CHANNELS),
                          f"the {kind} {need.channel!r} for {need.feature} (created when first needed)",
                          f"grant Manage Channels to {bot.name}'s role, or create the {kind} {need.channel!r}")
            else:
                out.failed(section, f"the {kind} {need.channel!r} ({need.setting}) exists",
                           f"no {kind} {need.channel!r} in {guild.get('name', gid)}: set {need.setting} to an "
                           f"existing {kind}'s name or id")
            continue
        label = f"#{channel.get('name')}" if not need.category else f"the category {channel.get('name')}"
        missing = need.perms & ~perms.in_channel(channel)
        out.check(section, not missing, f"{bot.name} can run {need.feature} in {label}",
                  f"grant {', '.join(names(missing))} to {bot.name} in {label} (its settings → Permissions)")
