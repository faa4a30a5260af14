"""Application commands: what ``tree.sync()`` registers (global and per-guild bulk overwrite)."""

from __future__ import annotations

import re
from typing import Any

from .. import errors, payloads
from ..router import Ctx, Reply, Router

_NAME = re.compile(r"^[-_\w]{1,32}$")
MAX_COMMANDS = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25


def _check_app(ctx: Ctx) -> None:
    if ctx.int_param("application_id") != ctx.state.application_id:
        raise errors.ApiError(403, 50001, "Missing Access")


def _guild_id(ctx: Ctx) -> int | None:
    if "guild_id" not in ctx.params:
        return None
    guild = ctx.state.guild(ctx.int_param("guild_id"))
    if ctx.state.bot_user.id not in guild.members:
        raise errors.missing_access()
    return guild.id


def _validate_options(options: list[Any], path: list[str | int]) -> None:
    if len(options) > MAX_OPTIONS:
        raise errors.form_error([*path, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, opt in enumerate(options):
        here: list[str | int] = [*path, "options", i]
        if not _NAME.match(str(opt.get("name", ""))) or str(opt.get("name")) != str(opt.get("name")).lower():
            raise errors.form_error([*here, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if not 1 <= len(str(opt.get("description", ""))) <= 100:
            raise errors.form_error([*here, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if len(opt.get("choices") or []) > MAX_CHOICES:
            raise errors.form_error([*here, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        _validate_options(opt.get("options") or [], here)


def _validate(bodies: Any) -> list[dict[str, Any]]:
    if not isinstance(bodies, list):
        raise errors.form_error([], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    if len(bodies) > MAX_COMMANDS:
        raise errors.ApiError(400, 30032, "Maximum number of application commands reached (100)")
    seen: set[tuple[str, int]] = set()
    for i, body in enumerate(bodies):
        name = str(body.get("name", ""))
        kind = int(body.get("type", 1))
        if kind == 1 and (not _NAME.match(name) or name != name.lower()):
            raise errors.form_error([i, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if kind == 1 and not 1 <= len(str(body.get("description", ""))) <= 100:
            raise errors.form_error([i, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if (name, kind) in seen:
            raise errors.form_error([i, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
        seen.add((name, kind))
        _validate_options(body.get("options") or [], [i])
    return bodies


async def bulk_overwrite(ctx: Ctx) -> Any:
    _check_app(ctx)
    guild_id = _guild_id(ctx)
    commands = ctx.state.overwrite_commands(guild_id, _validate(ctx.body))
    return [payloads.command(c) for c in commands]


async def list_commands(ctx: Ctx) -> Any:
    _check_app(ctx)
    guild_id = _guild_id(ctx)
    return [payloads.command(c) for c in ctx.state.commands.values() if c.guild_id == guild_id]


async def upsert_command(ctx: Ctx) -> Any:
    _check_app(ctx)
    guild_id = _guild_id(ctx)
    body = _validate([ctx.json()])[0]
    others = [c.raw for c in ctx.state.commands.values()
              if c.guild_id == guild_id and (c.name, c.raw.get("type", 1)) != (body["name"], body.get("type", 1))]
    commands = ctx.state.overwrite_commands(guild_id, [*others, body])
    return Reply(201, payloads.command(commands[-1]))


async def delete_command(ctx: Ctx) -> Any:
    _check_app(ctx)
    guild_id = _guild_id(ctx)
    cmd = ctx.state.commands.get(ctx.int_param("command_id"))
    if cmd is None or cmd.guild_id != guild_id:
        raise errors.ApiError(404, 10063, "Unknown application command")
    del ctx.state.commands[cmd.id]
    return Reply(204)


async def command_permissions(ctx: Ctx) -> Any:
    _check_app(ctx)
    _guild_id(ctx)
    return []


def register(router: Router) -> None:
    for prefix in ("/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"):
        router.add("GET", f"{prefix}/commands", list_commands)
        router.add("PUT", f"{prefix}/commands", bulk_overwrite)
        router.add("POST", f"{prefix}/commands", upsert_command)
        router.add("DELETE", f"{prefix}/commands/{{command_id}}", delete_command)
    router.add("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions", command_permissions)
