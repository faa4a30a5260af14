"""Serialise sandbox objects into the JSON discord.py 2.7 parses (types/*.py, state.py parse_* handlers)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .model import (
    Attachment,
    Channel,
    ChannelType,
    Command,
    Guild,
    Interaction,
    InteractionType,
    Member,
    Message,
    Role,
    ScheduledEvent,
    User,
)

if TYPE_CHECKING:
    from .state import State

JSON = dict[str, Any]


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


def user(u: User) -> JSON:
    out: JSON = {
        "id": str(u.id),
        "username": u.username,
        "global_name": u.global_name,
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
        "collectibles": None,
    }
    if u.bot:
        out["bot"] = True
    return out


def me(u: User) -> JSON:
    """``GET /users/@me``: the user plus the account fields only its owner sees."""
    return {**user(u), "mfa_enabled": False, "locale": "en-US", "premium_type": 0, "verified": True}


def member(state: State, m: Member, *, with_user: bool = True, permissions: int | None = None) -> JSON:
    out: JSON = {
        "roles": [str(r) for r in m.roles],
        "joined_at": iso(m.joined_at),
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "premium_since": None,
        "communication_disabled_until": None,
    }
    if with_user:
        out["user"] = user(state.users[m.user_id])
    if permissions is not None:
        out["permissions"] = str(permissions)
    return out


def role(r: Role) -> JSON:
    return {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }


def channel(state: State, c: Channel) -> JSON:
    if c.type == ChannelType.DM:
        return {
            "id": str(c.id),
            "type": c.type,
            "last_message_id": str(c.last_message_id) if c.last_message_id else None,
            "recipients": [user(state.users[r]) for r in c.recipients],
            "flags": 0,
        }
    out: JSON = {
        "id": str(c.id),
        "type": c.type,
        "guild_id": str(c.guild_id),
        "name": c.name,
        "position": c.position,
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "flags": 0,
        "permission_overwrites": [
            {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
            for o in c.overwrites.values()
        ],
    }
    if c.type == ChannelType.GUILD_TEXT:
        out.update(
            topic=c.topic,
            nsfw=False,
            rate_limit_per_user=0,
            last_message_id=str(c.last_message_id) if c.last_message_id else None,
        )
    if c.type == ChannelType.GUILD_VOICE:
        out.update(bitrate=64000, user_limit=0, rtc_region=None, video_quality_mode=1, nsfw=False,
                   rate_limit_per_user=0, last_message_id=None)
    if c.type in ChannelType.THREADS:
        del out["permission_overwrites"]
        del out["position"]
        created = c.created_at or state.clock.now()
        out.update(
            owner_id=str(c.owner_id),
            last_message_id=str(c.last_message_id) if c.last_message_id else None,
            message_count=c.message_count,
            total_message_sent=c.message_count,
            member_count=min(len(c.thread_members), 50),
            rate_limit_per_user=0,
            thread_metadata={
                "archived": c.archived,
                "auto_archive_duration": c.auto_archive_duration,
                "archive_timestamp": iso(c.archive_timestamp or created),
                "locked": c.locked,
                "invitable": c.invitable,
                "create_timestamp": iso(created),
            },
        )
    return out


def thread_member(c: Channel, user_id: int) -> JSON:
    joined = c.thread_joined.get(user_id) or c.created_at
    return {"id": str(c.id), "user_id": str(user_id), "join_timestamp": iso(joined), "flags": 0}


def attachment(base: str, channel_id: int, a: Attachment) -> JSON:
    url = f"{base}/attachments/{channel_id}/{a.id}/{a.filename}"
    out: JSON = {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "url": url,
        "proxy_url": url,
        "content_type": a.content_type,
    }
    if a.description:
        out["description"] = a.description
    return out


def message(state: State, m: Message) -> JSON:
    author = state.users[m.author_id]
    out: JSON = {
        "id": str(m.id),
        "channel_id": str(m.channel_id),
        "type": m.type,
        "author": user(author),
        "content": m.content,
        "timestamp": iso(m.timestamp),
        "edited_timestamp": iso(m.edited_timestamp),
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [attachment(state.cdn_base, m.channel_id, a) for a in m.attachments],
        "embeds": m.embeds,
        "components": m.components,
        "pinned": False,
        "flags": m.flags,
    }
    if m.guild_id is not None:
        out["guild_id"] = str(m.guild_id)
        guild = state.guilds.get(m.guild_id)
        mem = guild.members.get(m.author_id) if guild else None
        if mem is not None and m.webhook_id is None:
            out["member"] = member(state, mem, with_user=False)
    if m.webhook_id is not None:
        out["webhook_id"] = str(m.webhook_id)
    if m.application_id is not None:
        out["application_id"] = str(m.application_id)
    if m.message_reference is not None:
        out["message_reference"] = m.message_reference
    if m.nonce is not None:
        out["nonce"] = m.nonce
    if m.interaction_id is not None:
        inter = state.interactions.get(m.interaction_id)
        if inter is not None:
            meta = interaction_metadata(state, inter)
            if inter.original_message_id is not None and m.id != inter.original_message_id:
                meta["original_response_message_id"] = str(inter.original_message_id)  # a follow-up
            out["interaction_metadata"] = meta
    return out


def interaction_metadata(state: State, inter: Interaction, *, nested: bool = False) -> JSON:
    """A message's ``interaction_metadata``: component interactions name the message whose component was
    used (``interacted_message_id``), modal submits the interaction that opened the modal."""
    out: JSON = {
        "id": str(inter.id),
        "type": inter.type,
        "user": user(state.users[inter.user_id]),
        "authorizing_integration_owners": {"0": str(inter.guild_id)} if inter.guild_id else {"1": str(inter.user_id)},
    }
    if inter.type == InteractionType.MESSAGE_COMPONENT and inter.message_id is not None:
        out["interacted_message_id"] = str(inter.message_id)
    if inter.type == InteractionType.MODAL_SUBMIT and not nested:
        trigger = state.interactions.get(inter.triggered_by or 0)
        if trigger is not None:
            out["triggering_interaction_metadata"] = interaction_metadata(state, trigger, nested=True)
    return out


def guild_create(state: State, g: Guild, large_threshold: int | None = None) -> JSON:
    """A GUILD_CREATE: roles, channels, active threads the bot can see, and all members, unless the guild has
    more than ``large_threshold`` of them ("large"): then only the bot and the owner, and discord.py asks for
    the rest in chunks (op 8 REQUEST_GUILD_MEMBERS)."""
    bot_id = state.bot_user.id
    large = len(g.members) > (large_threshold or state.large_threshold)
    members = [m for m in g.members.values() if not large or m.user_id in (bot_id, g.owner_id)]
    me = g.members.get(bot_id)
    threads = [
        channel(state, state.channels[t]) for t in g.threads
        if state.can_view(bot_id, state.channels[t]) and not state.channels[t].archived
    ]
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "icon_hash": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "features": [],
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "roles": [role(state.roles[r]) for r in g.roles],
        "emojis": [],
        "stickers": [],
        "joined_at": iso(me.joined_at if me else g.created_at),
        "large": large,
        "unavailable": False,
        "member_count": len(g.members),
        "members": [member(state, m) for m in members],
        "channels": [channel(state, state.channels[c]) for c in g.channels],
        "threads": threads,
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [scheduled_event(state, e) for e in g.scheduled_events.values()
                                   if e.status in (1, 2)],
        "soundboard_sounds": [],
        "lazy": True,
    }


def scheduled_event(state: State, e: ScheduledEvent, *, with_user_count: bool = False) -> JSON:
    """A guild scheduled event as ``GET /guilds/{guild_id}/scheduled-events`` and the gateway give it."""
    out: JSON = {
        "id": str(e.id),
        "guild_id": str(e.guild_id),
        "name": e.name,
        "description": e.description,
        "channel_id": str(e.channel_id) if e.channel_id else None,
        "creator_id": str(e.creator_id) if e.creator_id else None,
        "image": None,
        "scheduled_start_time": iso(e.scheduled_start_time),
        "scheduled_end_time": iso(e.scheduled_end_time),
        "status": e.status,
        "entity_type": e.entity_type,
        "entity_id": None,
        "recurrence_rule": None,
        "privacy_level": e.privacy_level,
        "guild_scheduled_event_exceptions": [],
        "entity_metadata": {"location": e.location or ""} if e.entity_type == 3 else None,
    }
    if e.creator_id is not None and e.creator_id in state.users:
        out["creator"] = user(state.users[e.creator_id])
    if with_user_count:
        out["user_count"] = len(e.interested)
    return out


def scheduled_event_user(state: State, e: ScheduledEvent, user_id: int, *, with_member: bool = False) -> JSON:
    out: JSON = {"guild_scheduled_event_id": str(e.id), "user_id": str(user_id), "response": 1,
                 "user": user(state.users[user_id])}
    if with_member:
        guild = state.guilds[e.guild_id]
        if user_id in guild.members:
            out["member"] = member(state, guild.members[user_id], with_user=False)
    return out


def command(c: Command) -> JSON:
    raw = c.raw
    out: JSON = {
        "id": str(c.id),
        "application_id": str(c.application_id),
        "version": str(c.version),
        "type": raw.get("type", 1),
        "name": raw["name"],
        "name_localizations": raw.get("name_localizations"),
        "description": raw.get("description", ""),
        "description_localizations": raw.get("description_localizations"),
        "options": raw.get("options", []),
        "default_member_permissions": None if raw.get("default_member_permissions") is None
        else str(raw["default_member_permissions"]),
        "dm_permission": raw.get("dm_permission", True),
        "nsfw": raw.get("nsfw", False),
        # Unset, Discord fills in the defaults: a global command works in every context of a guild install
        # (GUILD, BOT_DM, PRIVATE_CHANNEL); a guild command has no contexts of its own.
        "contexts": raw.get("contexts") if raw.get("contexts") is not None else (
            [0, 1, 2] if c.guild_id is None else None),
        "integration_types": raw.get("integration_types") or [0],
    }
    if c.guild_id is not None:
        out["guild_id"] = str(c.guild_id)
    return out


def application(state: State) -> JSON:
    bot = state.bot_user
    owner = state.users[state.app_owner_id]
    return {
        "id": str(state.application_id),
        "name": bot.username,
        "icon": None,
        "description": "Local Discord sandbox application",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": user(bot),
        "owner": user(owner),
        "team": None,
        "summary": "",
        "verify_key": "0" * 64,
        "type": None,
        "flags": state.application_flags,
        "flags_new": str(state.application_flags),
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "approximate_guild_count": len(state.guilds),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": ["bot", "applications.commands"],
        "integration_types_config": {"0": {"oauth2_install_params": {
            "scopes": ["bot", "applications.commands"], "permissions": str(state.install_permissions)}}},
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": str(state.install_permissions)},
        "tags": [],
        "redirect_uris": [],
    }
