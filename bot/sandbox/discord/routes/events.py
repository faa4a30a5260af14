"""Guild scheduled events (``/guilds/{guild_id}/scheduled-events``) and the people interested in them.

As Discord: creating needs Create Events, editing or deleting needs Manage Events; an EXTERNAL event needs a
location and an end time; the start must be in the future; a status moves SCHEDULED → ACTIVE → COMPLETED or
SCHEDULED → CANCELED and never back; the users list pages by user id (``limit`` ≤ 100, ``before``/``after``; before wins), newest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import errors, payloads
from .. import permissions as perm
from ..model import EntityType, EventStatus, ScheduledEvent
from ..router import Ctx, Reply, Router
from .guilds import _bot_member_guild

_NEXT = {EventStatus.SCHEDULED: {EventStatus.ACTIVE, EventStatus.CANCELED}, EventStatus.ACTIVE: {EventStatus.COMPLETED}}


def _time(body: dict[str, Any], key: str) -> datetime | None:
    raw = body.get(key)
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise errors.form_error([key], "DATE_TIME_TYPE_COERCE", "Could not interpret the value as a date-time.") from None
    if when.tzinfo is None:
        raise errors.form_error([key], "DATE_TIME_TYPE_COERCE", "Could not interpret the value as a date-time.")
    return when


def _check_shape(ctx: Ctx, e: ScheduledEvent) -> None:
    if e.entity_type == EntityType.EXTERNAL:
        if not e.location:
            raise errors.form_error(["entity_metadata", "location"], "BASE_TYPE_REQUIRED", "This field is required")
        if e.scheduled_end_time is None:
            raise errors.form_error(["scheduled_end_time"], "GUILD_SCHEDULED_EVENT_REQUIRES_END_TIME",
                                    "External events require an end time.")
        e.channel_id = None
    elif e.entity_type == EntityType.VOICE:
        channel = ctx.state.channels.get(e.channel_id or 0)
        if channel is None or channel.guild_id != e.guild_id or channel.type != 2:
            raise errors.form_error(["channel_id"], "CHANNEL_TYPE_INVALID", "Invalid channel type")
    else:
        raise errors.form_error(["entity_type"], "BASE_TYPE_CHOICES", "Value must be one of {2, 3}.")
    if e.scheduled_end_time is not None and e.scheduled_end_time <= e.scheduled_start_time:
        raise errors.form_error(["scheduled_end_time"], "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                                "The end time must be after the start time.")


async def list_events(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    counts = ctx.query.get("with_user_count") in ("true", "1")
    return [payloads.scheduled_event(ctx.state, e, with_user_count=counts) for e in guild.scheduled_events.values()
            if e.status in (EventStatus.SCHEDULED, EventStatus.ACTIVE)]


async def get_event(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    e = ctx.state.scheduled_event(guild, ctx.params["guild_scheduled_event_id"])
    return payloads.scheduled_event(ctx.state, e, with_user_count=ctx.query.get("with_user_count") in ("true", "1"))


async def create_event(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    ctx.state.require_guild(guild, ctx.state.bot_user.id, perm.CREATE_EVENTS)
    body = ctx.json()
    start = _time(body, "scheduled_start_time")
    assert start is not None  # the document requires it
    if start <= ctx.state.clock.now():
        raise errors.form_error(["scheduled_start_time"], "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                                "Cannot schedule event in the past.")
    channel = body.get("channel_id")
    e = ScheduledEvent(
        id=ctx.state.next_id(), guild_id=guild.id, name=str(body["name"]), scheduled_start_time=start,
        entity_type=int(body["entity_type"]), creator_id=ctx.state.bot_user.id, description=body.get("description"),
        scheduled_end_time=_time(body, "scheduled_end_time"), channel_id=int(channel) if channel else None,
        location=str((body.get("entity_metadata") or {}).get("location") or "") or None,
        privacy_level=int(body.get("privacy_level") or 2),
    )
    _check_shape(ctx, e)
    return payloads.scheduled_event(ctx.state, ctx.state.create_scheduled_event(guild, e))


async def edit_event(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    ctx.state.require_guild(guild, ctx.state.bot_user.id, perm.MANAGE_EVENTS)
    e = ctx.state.scheduled_event(guild, ctx.params["guild_scheduled_event_id"])
    body = ctx.json()
    if e.status in (EventStatus.COMPLETED, EventStatus.CANCELED):
        raise errors.ApiError(400, 180000, "Cannot update a finished or canceled event")
    status = body.get("status")
    if status is not None and int(status) != e.status and int(status) not in _NEXT.get(e.status, set()):
        raise errors.form_error(["status"], "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                                "Invalid status transition.")
    updated = ScheduledEvent(**{**e.__dict__, "interested": e.interested})
    if "name" in body:
        updated.name = str(body["name"])
    if "description" in body:
        updated.description = body["description"]
    if "scheduled_start_time" in body:
        updated.scheduled_start_time = _time(body, "scheduled_start_time") or e.scheduled_start_time
    if "scheduled_end_time" in body:
        updated.scheduled_end_time = _time(body, "scheduled_end_time")
    if body.get("entity_type") is not None:
        updated.entity_type = int(body["entity_type"])
    if "channel_id" in body:
        updated.channel_id = int(body["channel_id"]) if body["channel_id"] else None
    if isinstance(body.get("entity_metadata"), dict):
        updated.location = str(body["entity_metadata"].get("location") or "") or None
    _check_shape(ctx, updated)
    if status is not None:
        updated.status = int(status)
    e.__dict__.update({k: v for k, v in updated.__dict__.items() if k != "interested"})  # the same object
    ctx.state.update_scheduled_event(guild, e)
    return payloads.scheduled_event(ctx.state, e)


async def delete_event(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    ctx.state.require_guild(guild, ctx.state.bot_user.id, perm.MANAGE_EVENTS)
    e = ctx.state.scheduled_event(guild, ctx.params["guild_scheduled_event_id"])
    ctx.state.delete_scheduled_event(guild, e)
    return Reply(204)


async def event_users(ctx: Ctx) -> Any:
    guild = _bot_member_guild(ctx)
    e = ctx.state.scheduled_event(guild, ctx.params["guild_scheduled_event_id"])
    limit = max(1, min(int(ctx.query.get("limit", "100")), 100))
    ids = sorted(e.interested)
    if "after" in ctx.query and "before" not in ctx.query:  # the page just after ``after``…
        after = int(ctx.query["after"])
        ids = [u for u in ids if u > after][:limit]
    else:  # …or the page just before ``before`` (none: the newest)
        before = int(ctx.query.get("before", str(1 << 63)))
        ids = [u for u in ids if u < before][-limit:]
    ids.reverse()  # newest first, as Discord answers (discord.py pages from the first/last of each answer)
    with_member = ctx.query.get("with_member") in ("true", "1")
    return [payloads.scheduled_event_user(ctx.state, e, u, with_member=with_member) for u in ids]


def register(router: Router) -> None:
    base = "/guilds/{guild_id}/scheduled-events"
    router.add("GET", base, list_events)
    router.add("POST", base, create_event)
    router.add("GET", base + "/{guild_scheduled_event_id}", get_event)
    router.add("PATCH", base + "/{guild_scheduled_event_id}", edit_event)
    router.add("DELETE", base + "/{guild_scheduled_event_id}", delete_event)
    router.add("GET", base + "/{guild_scheduled_event_id}/users", event_users)
