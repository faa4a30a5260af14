"""Discord's permission arithmetic: roles, then channel overwrites (@everyone, roles, member)."""

from __future__ import annotations

from .model import Channel, ChannelType, Guild, Role

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
MANAGE_EVENTS = 1 << 33
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_EVENTS = 1 << 44

ALL = (1 << 51) - 1

#: What @everyone gets in a new guild (close to Discord's default).
DEFAULT_EVERYONE = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
)

#: What the bot's own (managed) role gets unless the guild is built otherwise: exactly the permissions the
#: README asks an organiser to grant, no more (a feature that needs another one fails in the sandbox too).
README_BOT = (
    VIEW_CHANNEL
    | MANAGE_CHANNELS
    | MANAGE_ROLES
    | CREATE_PRIVATE_THREADS
    | MANAGE_THREADS
    | SEND_MESSAGES
    | SEND_MESSAGES_IN_THREADS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | CREATE_EVENTS
    | MANAGE_EVENTS
)
DEFAULT_BOT = README_BOT

#: Privileged gateway intents (IDENTIFY ``intents`` bits) and the application flags that allow them (either the
#: full or the "limited" flag, as Discord's application object says).
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
APP_GATEWAY_PRESENCE = 1 << 12
APP_GATEWAY_PRESENCE_LIMITED = 1 << 13
APP_GATEWAY_GUILD_MEMBERS = 1 << 14
APP_GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
APP_GATEWAY_MESSAGE_CONTENT = 1 << 18
APP_GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
PRIVILEGED_INTENTS = {
    INTENT_GUILD_MEMBERS: APP_GATEWAY_GUILD_MEMBERS | APP_GATEWAY_GUILD_MEMBERS_LIMITED,
    INTENT_GUILD_PRESENCES: APP_GATEWAY_PRESENCE | APP_GATEWAY_PRESENCE_LIMITED,
    INTENT_MESSAGE_CONTENT: APP_GATEWAY_MESSAGE_CONTENT | APP_GATEWAY_MESSAGE_CONTENT_LIMITED,
}


def disallowed_intents(intents: int, application_flags: int) -> int:
    """The privileged intents asked for that the application is not allowed (non-zero: close with 4014)."""
    return sum(bit for bit, allowed_by in PRIVILEGED_INTENTS.items() if intents & bit and not application_flags & allowed_by)


def base_permissions(guild: Guild, roles: dict[int, Role], user_id: int) -> int:
    """Guild-level permissions of a member: owner and Administrator get everything."""
    if user_id == guild.owner_id:
        return ALL
    member = guild.members.get(user_id)
    if member is None:
        return 0
    perms = roles[guild.id].permissions if guild.id in roles else 0
    for role_id in member.roles:
        role = roles.get(role_id)
        if role is not None:
            perms |= role.permissions
    if perms & ADMINISTRATOR:
        return ALL
    return perms


def apply_overwrites(perms: int, channel: Channel, guild: Guild, member_roles: list[int], user_id: int) -> int:
    """Discord's order: @everyone overwrite, then all role overwrites together, then the member's own."""
    everyone = channel.overwrites.get(guild.id)
    if everyone is not None:
        perms = (perms & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in member_roles:
        ow = channel.overwrites.get(role_id)
        if ow is not None and ow.type == 0:
            allow |= ow.allow
            deny |= ow.deny
    perms = (perms & ~deny) | allow
    own = channel.overwrites.get(user_id)
    if own is not None and own.type == 1:
        perms = (perms & ~own.deny) | own.allow
    return perms


def channel_permissions(
    guild: Guild, roles: dict[int, Role], channels: dict[int, Channel], channel: Channel, user_id: int
) -> int:
    """A member's permissions in a guild channel or thread (0 when they cannot see it)."""
    base = base_permissions(guild, roles, user_id)
    if base & ADMINISTRATOR or base == ALL:
        return ALL
    member = guild.members.get(user_id)
    if member is None:
        return 0
    if channel.type in ChannelType.THREADS:
        parent = channels.get(channel.parent_id or 0)
        if parent is None:
            return 0
        perms = channel_permissions(guild, roles, channels, parent, user_id)
        if not perms & VIEW_CHANNEL:
            return 0
        if (
            channel.type == ChannelType.PRIVATE_THREAD
            and user_id not in channel.thread_members
            and not perms & MANAGE_THREADS
        ):
            return 0
        return perms
    perms = apply_overwrites(base, channel, guild, member.roles, user_id)
    if not perms & VIEW_CHANNEL:
        return 0
    return perms


def has(perms: int, needed: int) -> bool:
    return perms & needed == needed
