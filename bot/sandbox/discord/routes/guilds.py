"""Guilds, members, roles, guild channels."""

from __future__ import annotations

from typing import Any

from .. import errors, payloads
from .. import permissions as perm
from ..model import ChannelType, Overwrite
from ..router import Ctx, Reply, Router


def _bot_member_guild(ctx: Ctx) -> Any:
    guild = ctx.state.guild(ctx.int_param("guild_id"))
    if ctx.state.bot_user.id not in guild.members:
        raise errors.missing_access()
    return guild


async def get_guild(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    data = payloads.guild_create(ctx.state, guild)
    for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at", "large", "member_count",
                "unavailable", "lazy", "stage_instances", "guild_scheduled_events", "soundboard_sounds"):
        data.pop(key, None)
    data.update(home_header=None, region="deprecated", widget_enabled=False, widget_channel_id=None,
                max_presences=None, max_stage_video_channel_users=50, nsfw=False, incidents_data=None)
    if ctx.query.get("with_counts") in ("true", "1"):
        data["approximate_member_count"] = len(guild.members)
        data["approximate_presence_count"] = 0
    return data


async def get_member(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    return payloads.member(ctx.state, ctx.state.member_of(guild, ctx.params["user_id"]))


async def list_members(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    limit = min(int(ctx.query.get("limit", "1")), 1000)
    after = int(ctx.query.get("after", "0"))
    members = sorted((m for m in guild.members.values() if m.user_id > after), key=lambda m: m.user_id)
    return [payloads.member(ctx.state, m) for m in members[:limit]]


def _require_below_bot(ctx: Ctx, guild: Any) -> None:
    """Role hierarchy: a bot manages only roles below its own highest role (the owner and Administrator
    aside, Discord answers 50013 otherwise)."""
    role = ctx.state.roles.get(ctx.int_param("role_id"))
    if role is None or role.guild_id != guild.id:
        raise errors.unknown_role()
    if ctx.state.guild_permissions(guild, ctx.state.bot_user.id) & perm.ADMINISTRATOR:
        return
    if role.position >= ctx.state.top_role_position(guild, ctx.state.bot_user.id):
        raise errors.missing_permissions()


async def add_role_to_member(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    ctx.state.require_guild(guild, ctx.state.bot_user.id, perm.MANAGE_ROLES)
    _require_below_bot(ctx, guild)
    ctx.state.add_member_role(guild, ctx.int_param("user_id"), ctx.int_param("role_id"))
    return Reply(204)


async def remove_role_from_member(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    ctx.state.require_guild(guild, ctx.state.bot_user.id, perm.MANAGE_ROLES)
    _require_below_bot(ctx, guild)
    ctx.state.remove_member_role(guild, ctx.int_param("user_id"), ctx.int_param("role_id"))
    return Reply(204)


async def list_roles(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    return [payloads.role(ctx.state.roles[r]) for r in guild.roles]


async def create_role(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    ctx.state.require_guild(guild, ctx.state.bot_user.id, perm.MANAGE_ROLES)
    body = ctx.json()
    permissions = int(body.get("permissions") or 0)
    _check_grantable(ctx, guild, permissions)
    role = ctx.state.create_role(
        guild,
        str(body.get("name") or "new role"),
        permissions=permissions,
        color=int(body.get("color") or 0),
        hoist=bool(body.get("hoist")),
        mentionable=bool(body.get("mentionable")),
        bottom=True,
    )
    return payloads.role(role)


def _check_grantable(ctx: Ctx, guild: Any, bits: int) -> None:
    """Discord refuses to grant (or deny) permissions the bot does not have itself, unless Administrator."""
    mine = ctx.state.guild_permissions(guild, ctx.state.bot_user.id)
    if bits & ~mine:
        raise errors.missing_permissions()


def parse_overwrite(raw: Any, index: int) -> Overwrite:
    try:
        target = int(raw["id"])
        kind = int(raw.get("type", 0))
        if kind not in (0, 1):
            raise ValueError(kind)
        return Overwrite(id=target, type=kind, allow=int(raw.get("allow") or 0), deny=int(raw.get("deny") or 0))
    except (KeyError, TypeError, ValueError):
        raise errors.form_error(
            ["permission_overwrites", index], "BASE_TYPE_REQUIRED", "Invalid permission overwrite"
        ) from None


def check_overwrite_target(ctx: Ctx, guild: Any, ow: Overwrite) -> None:
    if ow.type == 0 and (ow.id not in ctx.state.roles or ctx.state.roles[ow.id].guild_id != guild.id):
        raise errors.unknown_role()
    if ow.type == 1 and ow.id not in guild.members:
        raise errors.unknown_member()
    _check_grantable(ctx, guild, ow.allow | ow.deny)


async def list_channels(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    return [payloads.channel(ctx.state, ctx.state.channels[c]) for c in guild.channels]


async def create_channel(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    ctx.state.require_guild(guild, ctx.state.bot_user.id, perm.MANAGE_CHANNELS)
    body = ctx.json()
    name = str(body.get("name") or "")
    if not 1 <= len(name) <= 100:
        raise errors.form_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    overwrites = None
    if body.get("permission_overwrites") is not None:
        overwrites = [parse_overwrite(raw, i) for i, raw in enumerate(body["permission_overwrites"])]
        for ow in overwrites:
            check_overwrite_target(ctx, guild, ow)
    parent = body.get("parent_id")
    channel = ctx.state.create_channel(
        guild,
        name.lower().replace(" ", "-") if int(body.get("type") or 0) == ChannelType.GUILD_TEXT else name,
        type=int(body.get("type") or 0),
        parent_id=int(parent) if parent else None,
        overwrites=overwrites,
        topic=body.get("topic"),
        position=body.get("position"),
    )
    return Reply(201, payloads.channel(ctx.state, channel))


async def active_threads(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    bot_id = ctx.state.bot_user.id
    threads = [ctx.state.channels[t] for t in guild.threads
               if not ctx.state.channels[t].archived and ctx.state.can_view(bot_id, ctx.state.channels[t])]
    return {
        "threads": [payloads.channel(ctx.state, t) for t in threads],
        "members": [payloads.thread_member(t, bot_id) for t in threads if bot_id in t.thread_members],
        "has_more": False,  # the active list comes whole
    }


def register(router: Router) -> None:
    router.add("GET", "/guilds/{guild_id}", get_guild)
    router.add("GET", "/guilds/{guild_id}/members", list_members)
    router.add("GET", "/guilds/{guild_id}/members/{user_id}", get_member)
    router.add("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", add_role_to_member)
    router.add("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", remove_role_from_member)
    router.add("GET", "/guilds/{guild_id}/roles", list_roles)
    router.add("POST", "/guilds/{guild_id}/roles", create_role)
    router.add("GET", "/guilds/{guild_id}/channels", list_channels)
    router.add("POST", "/guilds/{guild_id}/channels", create_channel)
    router.add("GET", "/guilds/{guild_id}/threads/active", active_threads)
