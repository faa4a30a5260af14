"""Users, DM channels, the application, and the gateway URL."""

from __future__ import annotations

from typing import Any

from .. import errors, payloads
from ..router import Ctx, Router


async def get_me(ctx: Ctx) -> Any:
    """The bot's own user, or with a person's OAuth2 bearer token (scope ``identify``) that person."""
    if ctx.bearer_user is not None:
        return payloads.me(ctx.state.user(ctx.bearer_user))
    return payloads.me(ctx.state.bot_user)


async def get_user(ctx: Ctx) -> Any:
    return payloads.user(ctx.state.user(ctx.int_param("user_id")))


async def open_dm(ctx: Ctx) -> Any:
    """POST /users/@me/channels: always succeeds; closed DMs are refused when the bot posts (50007)."""
    recipient = ctx.json().get("recipient_id")
    if recipient is None:
        raise errors.form_error(["recipient_id"], "BASE_TYPE_REQUIRED", "This field is required")
    user = ctx.state.user(recipient)
    if user.id == ctx.state.bot_user.id:
        raise errors.ApiError(400, 50007, "Cannot send messages to this user")
    return payloads.channel(ctx.state, ctx.state.open_dm(user.id))


async def application(ctx: Ctx) -> Any:
    return payloads.application(ctx.state)


async def gateway(ctx: Ctx) -> Any:
    return {"url": ctx.sandbox.gateway_url}


async def gateway_bot(ctx: Ctx) -> Any:
    return {
        "url": ctx.sandbox.gateway_url,
        "shards": ctx.sandbox.recommended_shards,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1},
    }


def register(router: Router) -> None:
    router.add("GET", "/users/@me", get_me)
    router.add("GET", "/users/{user_id}", get_user)
    router.add("POST", "/users/@me/channels", open_dm)
    router.add("GET", "/oauth2/applications/@me", application)
    router.add("GET", "/applications/@me", application)
    router.add("GET", "/gateway", gateway, auth=False)
    router.add("GET", "/gateway/bot", gateway_bot)
