"""Channels, messages, permission overwrites, threads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import errors, payloads
from .. import permissions as perm
from ..messages import edit_message, post_message
from ..model import Channel, ChannelType
from ..router import Ctx, Reply, Router
from .guilds import check_overwrite_target, parse_overwrite


def _visible_channel(ctx: Ctx) -> Channel:
    """The channel, if the bot can see it (Discord answers 50001 Missing Access otherwise)."""
    c = ctx.state.channel(ctx.int_param("channel_id"))
    if c.type == ChannelType.DM:
        return c
    if not ctx.state.can_view(ctx.state.bot_user.id, c):
        raise errors.missing_access()
    return c


async def get_channel(ctx: Ctx) -> Any:
    return payloads.channel(ctx.state, _visible_channel(ctx))


async def edit_channel(ctx: Ctx) -> Any:
    c = _visible_channel(ctx)
    body = ctx.json()
    if c.type in ChannelType.THREADS:
        return _edit_thread(ctx, c, body)
    ctx.state.require(ctx.state.bot_user.id, c, perm.MANAGE_CHANNELS)
    if "name" in body:
        c.name = str(body["name"])
    if "topic" in body:
        c.topic = body["topic"]
    if body.get("permission_overwrites") is not None and c.guild_id is not None:
        guild = ctx.state.guild(c.guild_id)
        overwrites = [parse_overwrite(raw, i) for i, raw in enumerate(body["permission_overwrites"])]
        for ow in overwrites:
            check_overwrite_target(ctx, guild, ow)
        c.overwrites = {ow.id: ow for ow in overwrites}
    if c.guild_id is not None:
        ctx.state.emit("CHANNEL_UPDATE", payloads.channel(ctx.state, c), c.guild_id, None)
    ctx.state.notify()
    return payloads.channel(ctx.state, c)


def _edit_thread(ctx: Ctx, c: Channel, body: dict[str, Any]) -> Any:
    """Discord's rules for editing a thread: an archived thread takes nothing but ``archived: false``
    first (50083); unarchiving needs Send Messages in Threads, or Manage Threads when locked; ``locked`` and
    ``invitable`` need Manage Threads; the owner may rename, archive and set the duration, others need
    Manage Threads."""
    state = ctx.state
    bot_id = state.bot_user.id
    perms = state.permissions_in(bot_id, c)
    moderator = perm.has(perms, perm.MANAGE_THREADS)
    unarchive = body.get("archived") is False
    if c.archived and not unarchive:
        raise errors.thread_archived()
    if unarchive and c.archived:
        if c.locked and not moderator:
            raise errors.missing_permissions()
        if not perm.has(perms, perm.SEND_MESSAGES_IN_THREADS):
            raise errors.missing_permissions()
    if ("locked" in body and bool(body["locked"]) != c.locked) or \
            ("invitable" in body and bool(body["invitable"]) != c.invitable):
        if not moderator:
            raise errors.missing_permissions()
    owner_fields = {"name", "auto_archive_duration", "rate_limit_per_user"}
    if body.get("archived") is True:
        owner_fields.add("archived")
    if owner_fields & set(body) and c.owner_id != bot_id and not moderator:
        raise errors.missing_permissions()
    if "invitable" in body and c.type != ChannelType.PRIVATE_THREAD:
        raise errors.form_error(["invitable"], "CHANNEL_TYPE_INVALID", "Only private threads can be invitable.")
    if "name" in body:
        c.name = str(body["name"])
    if body.get("auto_archive_duration") is not None:
        c.auto_archive_duration = int(body["auto_archive_duration"])
    if "locked" in body:
        c.locked = bool(body["locked"])
    if "invitable" in body:
        c.invitable = bool(body["invitable"])
    if "archived" in body and bool(body["archived"]) != c.archived:
        c.archived = bool(body["archived"])
        c.archive_timestamp = state.clock.now()
        if not c.archived:
            c.last_activity = c.archive_timestamp
    if c.guild_id is not None:
        state.emit("THREAD_UPDATE", payloads.channel(state, c), c.guild_id, None)
    state.notify()
    return payloads.channel(state, c)


async def delete_channel(ctx: Ctx) -> Any:
    c = _visible_channel(ctx)
    if c.type == ChannelType.DM:
        return payloads.channel(ctx.state, c)
    ctx.state.require(ctx.state.bot_user.id, c, perm.MANAGE_CHANNELS)
    data = payloads.channel(ctx.state, c)
    ctx.state.delete_channel(c)
    return data


async def create_message(ctx: Ctx) -> Any:
    c = ctx.state.channel(ctx.int_param("channel_id"))
    msg = post_message(ctx.state, c, ctx.state.bot_user.id, ctx.json(), ctx.files)
    return payloads.message(ctx.state, msg)


async def list_messages(ctx: Ctx) -> Any:
    c = _visible_channel(ctx)
    if c.type != ChannelType.DM:
        ctx.state.require(ctx.state.bot_user.id, c, perm.READ_MESSAGE_HISTORY)
    limit = min(int(ctx.query.get("limit", "50")), 100)
    before = int(ctx.query.get("before", str(1 << 63)))
    after = int(ctx.query.get("after", "0"))
    found = [
        m for m in ctx.state.messages.values()
        if m.channel_id == c.id and not m.deleted and m.visible_to is None and after < m.id < before
    ]
    found.sort(key=lambda m: m.id, reverse=after == 0)
    return [payloads.message(ctx.state, m) for m in found[:limit]]


async def get_message(ctx: Ctx) -> Any:
    c = _visible_channel(ctx)
    return payloads.message(ctx.state, ctx.state.message(c.id, ctx.params["message_id"]))


async def patch_message(ctx: Ctx) -> Any:
    c = _visible_channel(ctx)
    msg = ctx.state.message(c.id, ctx.params["message_id"])
    if msg.author_id != ctx.state.bot_user.id:
        raise errors.ApiError(403, 50005, "Cannot edit a message authored by another user")
    return payloads.message(ctx.state, edit_message(ctx.state, msg, ctx.json(), ctx.files))


async def delete_message(ctx: Ctx) -> Any:
    c = _visible_channel(ctx)
    msg = ctx.state.message(c.id, ctx.params["message_id"])
    msg.deleted = True
    data = {"id": str(msg.id), "channel_id": str(c.id)}
    if c.guild_id:
        data["guild_id"] = str(c.guild_id)
    ctx.state.emit("MESSAGE_DELETE", data, c.guild_id, None)
    ctx.state.notify()
    return Reply(204)


async def put_overwrite(ctx: Ctx) -> Any:
    c = _visible_channel(ctx)
    if c.guild_id is None or c.type in ChannelType.THREADS:
        raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
    ctx.state.require(ctx.state.bot_user.id, c, perm.MANAGE_ROLES)
    body = dict(ctx.json())
    body["id"] = ctx.params["overwrite_id"]
    ow = parse_overwrite(body, 0)
    check_overwrite_target(ctx, ctx.state.guild(c.guild_id), ow)
    ctx.state.set_overwrite(c, ow)
    return Reply(204)


async def delete_overwrite(ctx: Ctx) -> Any:
    c = _visible_channel(ctx)
    ctx.state.require(ctx.state.bot_user.id, c, perm.MANAGE_ROLES)
    ctx.state.delete_overwrite(c, ctx.int_param("overwrite_id"))
    return Reply(204)


async def create_thread(ctx: Ctx) -> Any:
    parent = _visible_channel(ctx)
    body = ctx.json()
    kind = int(body.get("type") or ChannelType.PRIVATE_THREAD)
    if kind not in ChannelType.THREADS:
        raise errors.form_error(["type"], "BASE_TYPE_CHOICES", "Value must be one of {11, 12}.")
    needed = perm.CREATE_PRIVATE_THREADS if kind == ChannelType.PRIVATE_THREAD else perm.CREATE_PUBLIC_THREADS
    ctx.state.require(ctx.state.bot_user.id, parent, needed | perm.SEND_MESSAGES_IN_THREADS)
    name = str(body.get("name") or "")
    if not 1 <= len(name) <= 100:
        raise errors.form_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    duration = int(body.get("auto_archive_duration") or 4320)
    if duration not in (60, 1440, 4320, 10080):
        raise errors.form_error(["auto_archive_duration"], "BASE_TYPE_CHOICES",
                                "Value must be one of {60, 1440, 4320, 10080}.")
    thread = ctx.state.create_thread(
        parent, name, type=kind, owner_id=ctx.state.bot_user.id, invitable=bool(body.get("invitable", True)),
        auto_archive_duration=duration,
    )
    return Reply(201, payloads.channel(ctx.state, thread))


async def add_thread_member(ctx: Ctx) -> Any:
    """Adding someone needs Send Messages in Threads and an unarchived thread; in a private thread only its
    members may invite, and when it is not ``invitable`` only moderators (Manage Threads) may."""
    c = _visible_channel(ctx)
    if c.type not in ChannelType.THREADS:
        raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
    if c.archived:
        raise errors.thread_archived()
    bot_id = ctx.state.bot_user.id
    ctx.state.require(bot_id, c, perm.SEND_MESSAGES_IN_THREADS)
    moderator = perm.has(ctx.state.permissions_in(bot_id, c), perm.MANAGE_THREADS)
    if c.type == ChannelType.PRIVATE_THREAD and not moderator and (not c.invitable or bot_id not in c.thread_members):
        raise errors.missing_permissions()
    ctx.state.add_thread_member(c, ctx.int_param("user_id"))
    return Reply(204)


async def remove_thread_member(ctx: Ctx) -> Any:
    """Needs Manage Threads, or to be the creator of a private thread; not on an archived thread."""
    c = _visible_channel(ctx)
    if c.type not in ChannelType.THREADS:
        raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
    if c.archived:
        raise errors.thread_archived()
    bot_id = ctx.state.bot_user.id
    creator = c.type == ChannelType.PRIVATE_THREAD and c.owner_id == bot_id
    if not creator:
        ctx.state.require(bot_id, c, perm.MANAGE_THREADS)
    ctx.state.remove_thread_member(c, ctx.int_param("user_id"))
    return Reply(204)


async def list_thread_members(ctx: Ctx) -> Any:
    c = _visible_channel(ctx)
    return [payloads.thread_member(c, uid) for uid in sorted(c.thread_members)]


def _archived_threads(ctx: Ctx, kind: int, *, joined_only: bool) -> Any:
    """Discord's archived-thread listings: newest first (by archive time, or by id for the joined ones),
    ``before`` (a timestamp, or a thread id for the joined ones) and ``limit``; ``has_more`` when cut short.
    Needs Read Message History; the guild-wide private listing needs Manage Threads too."""
    parent = _visible_channel(ctx)
    if parent.type != ChannelType.GUILD_TEXT:
        raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
    bot_id = ctx.state.bot_user.id
    needed = perm.READ_MESSAGE_HISTORY
    if kind == ChannelType.PRIVATE_THREAD and not joined_only:
        needed |= perm.MANAGE_THREADS
    ctx.state.require(bot_id, parent, needed)
    limit = max(1, min(int(ctx.query.get("limit", "50")), 100))
    found = [c for c in ctx.state.channels.values()
             if c.parent_id == parent.id and c.type == kind and c.archived
             and (not joined_only or bot_id in c.thread_members)]
    before = ctx.query.get("before")
    if joined_only:
        found.sort(key=lambda c: c.id, reverse=True)
        if before is not None:
            found = [c for c in found if c.id < int(before)]
    else:
        found.sort(key=lambda c: (c.archive_timestamp or c.created_at or ctx.state.clock.now(), c.id), reverse=True)
        if before is not None:
            cut = datetime.fromisoformat(before.replace("Z", "+00:00"))
            found = [c for c in found if (c.archive_timestamp or c.created_at or ctx.state.clock.now()) < cut]
    page = found[:limit]
    return {
        "threads": [payloads.channel(ctx.state, c) for c in page],
        "members": [payloads.thread_member(c, bot_id) for c in page if bot_id in c.thread_members],
        "has_more": len(found) > limit,
    }


async def public_archived_threads(ctx: Ctx) -> Any:
    return _archived_threads(ctx, ChannelType.PUBLIC_THREAD, joined_only=False)


async def private_archived_threads(ctx: Ctx) -> Any:
    return _archived_threads(ctx, ChannelType.PRIVATE_THREAD, joined_only=False)


async def joined_private_archived_threads(ctx: Ctx) -> Any:
    return _archived_threads(ctx, ChannelType.PRIVATE_THREAD, joined_only=True)


async def typing(ctx: Ctx) -> Any:
    _visible_channel(ctx)
    return Reply(204)


def register(router: Router) -> None:
    router.add("GET", "/channels/{channel_id}", get_channel)
    router.add("PATCH", "/channels/{channel_id}", edit_channel)
    router.add("DELETE", "/channels/{channel_id}", delete_channel)
    router.add("GET", "/channels/{channel_id}/messages", list_messages)
    router.add("POST", "/channels/{channel_id}/messages", create_message)
    router.add("GET", "/channels/{channel_id}/messages/{message_id}", get_message)
    router.add("PATCH", "/channels/{channel_id}/messages/{message_id}", patch_message)
    router.add("DELETE", "/channels/{channel_id}/messages/{message_id}", delete_message)
    router.add("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", put_overwrite)
    router.add("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", delete_overwrite)
    router.add("POST", "/channels/{channel_id}/threads", create_thread)
    router.add("PUT", "/channels/{channel_id}/thread-members/{user_id}", add_thread_member)
    router.add("DELETE", "/channels/{channel_id}/thread-members/{user_id}", remove_thread_member)
    router.add("GET", "/channels/{channel_id}/thread-members", list_thread_members)
    router.add("POST", "/channels/{channel_id}/typing", typing)
    router.add("GET", "/channels/{channel_id}/threads/archived/public", public_archived_threads)
    router.add("GET", "/channels/{channel_id}/threads/archived/private", private_archived_threads)
    router.add("GET", "/channels/{channel_id}/users/@me/threads/archived/private", joined_private_archived_threads)
