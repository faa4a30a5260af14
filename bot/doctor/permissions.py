"""Discord's permission arithmetic over REST payloads (roles, a member, channel overwrites), and what each of
the bot's features needs where. No discord import: the doctor reads plain JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import ProgrammeConfig

ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MANAGE_ROLES = 1 << 28
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_EVENTS = 1 << 44
ALL = (1 << 53) - 1

#: The names Discord's client shows, in the order of its settings page.
NAMES = {
    ADMINISTRATOR: "Administrator",
    MANAGE_CHANNELS: "Manage Channels",
    MANAGE_ROLES: "Manage Roles",
    VIEW_CHANNEL: "View Channel",
    SEND_MESSAGES: "Send Messages",
    SEND_MESSAGES_IN_THREADS: "Send Messages in Threads",
    CREATE_PRIVATE_THREADS: "Create Private Threads",
    MANAGE_THREADS: "Manage Threads",
    EMBED_LINKS: "Embed Links",
    ATTACH_FILES: "Attach Files",
    READ_MESSAGE_HISTORY: "Read Message History",
    CREATE_EVENTS: "Create Events",
    MANAGE_EVENTS: "Manage Events",
}

TEXT = 0
CATEGORY = 4


#: Everything the bot asks for: the README's permission list, and what an organiser grants its role.
BOT_PERMISSIONS = (VIEW_CHANNEL | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS | CREATE_PRIVATE_THREADS | MANAGE_THREADS
                   | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | MANAGE_CHANNELS | MANAGE_ROLES
                   | CREATE_EVENTS | MANAGE_EVENTS)


def names(bits: int) -> list[str]:
    return [name for bit, name in NAMES.items() if bits & bit]


@dataclass(frozen=True)
class Need:
    """Permissions a feature needs: in the guild (``channel`` None) or in a configured channel/category."""

    feature: str
    perms: int
    channel: str | None = None  # the config value (name or id)
    category: bool = False
    setting: str = ""  # which config key names that channel


def needs(cfg: ProgrammeConfig) -> list[Need]:
    """What the programme's features need, from its configuration (see the README's permission list)."""
    talk = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | EMBED_LINKS
    out = [
        Need("onboarding in a private thread when DMs are closed", talk | CREATE_PRIVATE_THREADS
             | SEND_MESSAGES_IN_THREADS, cfg.onboarding_channel, setting="onboarding_channel"),
        Need("leads and notices for the organisers", talk, cfg.leads_channel, setting="leads_channel"),
    ]
    spaces = cfg.spaces
    if spaces.mode in ("channels", "auto"):
        out.append(Need("private channels for pairs (created with their permission overwrites)",
                        MANAGE_CHANNELS | MANAGE_ROLES))
        out.append(Need("private channels for pairs", talk | ATTACH_FILES | MANAGE_CHANNELS | MANAGE_ROLES,
                        spaces.category, category=True, setting="spaces.category"))
    if spaces.mode in ("threads", "auto"):
        out.append(Need("private threads for pairs (closed and locked when a match ends)",
                        talk | CREATE_PRIVATE_THREADS | SEND_MESSAGES_IN_THREADS | MANAGE_THREADS,
                        spaces.threads_channel, setting="spaces.threads_channel"))
    out.append(Need("programme events (/event create makes Discord Scheduled Events, then starts and ends them)",
                    CREATE_EVENTS | MANAGE_EVENTS))
    if cfg.mentor_circle().enabled:
        out.append(Need("the mentor circle (a private channel, its member overwrites or managed role)",
                        MANAGE_CHANNELS | MANAGE_ROLES))
    return out


def find_channel(channels: Sequence[Mapping[str, Any]], name_or_id: str, *, category: bool = False) -> Any:
    """A text channel (or a category) named in config by name or id, as the bot finds it."""
    kind = CATEGORY if category else TEXT
    if name_or_id.isdigit():
        return next((c for c in channels if str(c.get("id")) == name_or_id and c.get("type") == kind), None)
    wanted = (name_or_id if category else name_or_id.lstrip("#")).lower()
    return next((c for c in channels if c.get("type") == kind and str(c.get("name", "")).lower() == wanted), None)


class Perms:
    """The bot's permissions in one guild, from ``GET /guilds/{id}``, its roles and the bot's member."""

    def __init__(self, guild: Mapping[str, Any], roles: Sequence[Mapping[str, Any]], member: Mapping[str, Any],
                 bot_id: str) -> None:
        self.guild_id = str(guild["id"])
        self.roles = {str(r["id"]): r for r in roles}
        self.member_roles = [str(r) for r in member.get("roles", [])]
        self.bot_id = bot_id
        self.owner = str(guild.get("owner_id")) == bot_id

    def base(self) -> int:
        if self.owner:
            return ALL
        perms = int(self.roles.get(self.guild_id, {}).get("permissions", 0))
        for rid in self.member_roles:
            perms |= int(self.roles.get(rid, {}).get("permissions", 0))
        return ALL if perms & ADMINISTRATOR else perms

    def top_position(self) -> int:
        return max((int(self.roles[r].get("position", 0)) for r in self.member_roles if r in self.roles), default=0)

    def in_channel(self, channel: Mapping[str, Any]) -> int:
        """Discord's order: the @everyone overwrite, all role overwrites together, then the member's own."""
        perms = self.base()
        if perms == ALL:
            return ALL
        overwrites = {str(o["id"]): o for o in channel.get("permission_overwrites") or []}

        def apply(perms: int, allow: int, deny: int) -> int:
            return (perms & ~deny) | allow

        everyone = overwrites.get(self.guild_id)
        if everyone is not None:
            perms = apply(perms, int(everyone.get("allow", 0)), int(everyone.get("deny", 0)))
        allow = deny = 0
        for rid in self.member_roles:
            ow = overwrites.get(rid)
            if ow is not None and int(ow.get("type", 0)) == 0:
                allow |= int(ow.get("allow", 0))
                deny |= int(ow.get("deny", 0))
        perms = apply(perms, allow, deny)
        own = overwrites.get(self.bot_id)
        if own is not None and int(own.get("type", 1)) == 1:
            perms = apply(perms, int(own.get("allow", 0)), int(own.get("deny", 0)))
        return perms if perms & VIEW_CHANNEL else 0
