"""Interaction callbacks (types 4,5,6,7,8,9) and follow-ups / original-response edits via webhooks."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from .. import errors, payloads
from ..messages import edit_message, post_message
from ..model import EPHEMERAL_FLAG, CallbackType, Interaction, InteractionType, Message
from ..router import Ctx, Reply, Router

LOADING_FLAG = 1 << 7


def _interaction_by_token(ctx: Ctx) -> Interaction:
    inter = ctx.state.interactions_by_token.get(ctx.params["webhook_token"])
    if inter is None or ctx.int_param("webhook_id") != ctx.state.application_id:
        raise errors.unknown_webhook()
    age = ctx.state.clock.now() - inter.created_at
    if age > timedelta(seconds=ctx.state.limits.interaction_token_seconds):
        raise errors.ApiError(401, 50027, "Invalid Webhook Token")
    return inter


def _respond_message(
    ctx: Ctx, inter: Interaction, body: dict[str, Any], flags: int = 0, *, allow_empty: bool = False
) -> Message:
    channel = ctx.state.channel(inter.channel_id)
    merged = dict(body)
    merged["flags"] = int(body.get("flags") or 0) | flags
    return post_message(
        ctx.state, channel, ctx.state.bot_user.id, merged, ctx.files,
        interaction_id=inter.id, webhook_id=ctx.state.application_id, visible_to=inter.user_id, check=False,
        allow_empty=allow_empty,
    )


def _validate_modal(data: dict[str, Any]) -> None:
    title = str(data.get("title") or "")
    if not 1 <= len(title) <= 45:
        raise errors.form_error(["data", "title"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    if len(str(data.get("custom_id") or "")) > errors.MAX_CUSTOM_ID or not data.get("custom_id"):
        raise errors.form_error(["data", "custom_id"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    components = data.get("components") or []
    if not components:
        raise errors.form_error(["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    errors.validate_components(components, modal=True)


async def callback(ctx: Ctx) -> Any:
    state = ctx.state
    inter = state.interactions.get(ctx.int_param("interaction_id"))
    if inter is None or inter.token != ctx.params["interaction_token"]:
        raise errors.unknown_interaction()
    if time.monotonic() - inter.created_mono > state.limits.interaction_ack_seconds and not inter.acknowledged:
        inter.late_mono = inter.late_mono or time.monotonic()
        raise errors.unknown_interaction()
    if inter.acknowledged:
        raise errors.ApiError(400, 40060, "Interaction has already been acknowledged.")
    body = ctx.json()
    kind = int(body.get("type", 0))
    data = body.get("data") or {}
    message: Message | None = None
    loading = False
    if kind == CallbackType.CHANNEL_MESSAGE:
        message = _respond_message(ctx, inter, data)
        inter.original_message_id = message.id
    elif kind == CallbackType.DEFERRED_CHANNEL_MESSAGE:
        loading = True
        ephemeral = int(data.get("flags") or 0) & EPHEMERAL_FLAG
        message = _respond_message(ctx, inter, {"content": ""}, LOADING_FLAG | ephemeral, allow_empty=True)
        inter.original_message_id = message.id
    elif kind in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE):
        if inter.type not in (InteractionType.MESSAGE_COMPONENT, InteractionType.MODAL_SUBMIT) or not inter.message_id:
            raise errors.ApiError(400, 40043, "Interaction has no message to update")
        if kind == CallbackType.UPDATE_MESSAGE:
            target = state.messages[inter.message_id]
            message = edit_message(state, target, data, ctx.files)
    elif kind == CallbackType.MODAL:
        if inter.type == InteractionType.MODAL_SUBMIT:
            raise errors.ApiError(400, 50035, "Invalid Form Body")
        _validate_modal(data)
        inter.modal = data
    elif kind == CallbackType.AUTOCOMPLETE_RESULT:
        if inter.type != InteractionType.AUTOCOMPLETE:
            raise errors.ApiError(400, 50035, "Invalid Form Body")
    else:
        raise errors.form_error(["type"], "BASE_TYPE_CHOICES", "Value must be one of {4, 5, 6, 7, 8, 9}.")
    inter.response_type = kind
    inter.responded_mono = time.monotonic()
    inter.response = body
    inter.touch()
    state.notify()
    if ctx.query.get("with_response") not in ("1", "true", "True"):
        return Reply(204)
    # with_response: the interaction, and a resource only for what the callback created or updated (a message
    # for types 4 and 7); a deferral (5, 6), a modal (9) or autocomplete choices (8) create none.
    summary: dict[str, Any] = {"id": str(inter.id), "type": inter.type}
    if message is not None:
        summary.update(response_message_id=str(message.id), response_message_loading=loading,
                       response_message_ephemeral=message.ephemeral)
    out: dict[str, Any] = {"interaction": summary}
    if kind in (CallbackType.CHANNEL_MESSAGE, CallbackType.UPDATE_MESSAGE) and message is not None:
        out["resource"] = {"type": kind, "message": payloads.message(state, message)}
    return out


def _placeholder(ctx: Ctx, inter: Interaction) -> Message | None:
    """The "thinking…" message of a deferred answer (callback type 5) that nothing has replaced yet."""
    if inter.response_type != CallbackType.DEFERRED_CHANNEL_MESSAGE or inter.original_message_id is None:
        return None
    msg = ctx.state.messages.get(inter.original_message_id)
    if msg is None or msg.deleted or not msg.flags & LOADING_FLAG:
        return None
    return msg


async def followup(ctx: Ctx) -> Any:
    inter = _interaction_by_token(ctx)
    if not inter.acknowledged:
        raise errors.unknown_webhook()
    placeholder = _placeholder(ctx, inter)
    if placeholder is not None:
        # Discord: the first follow-up after a deferred answer *is* that answer: it replaces the "thinking…"
        # message (same id as @original), and its ephemerality is the deferral's, whatever its own flags say.
        body = dict(ctx.json())
        errors.validate_message_body(body, require_content=not ctx.files)
        body["flags"] = int(body.get("flags") or 0) & ~EPHEMERAL_FLAG
        placeholder.flags &= ~LOADING_FLAG
        message = edit_message(ctx.state, placeholder, body, ctx.files)
        message.edited_timestamp = None  # shown as the answer, not as an edit
    else:
        message = _respond_message(ctx, inter, ctx.json())
    inter.followup_ids.append(message.id)
    inter.answered_mono = inter.answered_mono or time.monotonic()
    inter.touch()
    if ctx.query.get("wait") in ("1", "true", "True"):
        return payloads.message(ctx.state, message)
    return Reply(204)


def _target(ctx: Ctx, inter: Interaction) -> Message:
    mid = ctx.params.get("message_id", "@original")
    if mid == "@original":
        if inter.original_message_id is None:
            if inter.response_type == CallbackType.DEFERRED_UPDATE_MESSAGE or inter.response_type == CallbackType.UPDATE_MESSAGE:
                if inter.message_id:
                    return ctx.state.messages[inter.message_id]
            raise errors.unknown_message()
        return ctx.state.messages[inter.original_message_id]
    msg = ctx.state.messages.get(int(mid))
    if msg is None or msg.deleted or msg.interaction_id != inter.id:
        raise errors.unknown_message()
    return msg


async def get_webhook_message(ctx: Ctx) -> Any:
    inter = _interaction_by_token(ctx)
    return payloads.message(ctx.state, _target(ctx, inter))


async def edit_webhook_message(ctx: Ctx) -> Any:
    inter = _interaction_by_token(ctx)
    msg = _target(ctx, inter)
    msg.flags &= ~LOADING_FLAG
    edited = edit_message(ctx.state, msg, ctx.json(), ctx.files)
    inter.edits += 1
    inter.answered_mono = inter.answered_mono or time.monotonic()
    inter.touch()
    return payloads.message(ctx.state, edited)


async def delete_webhook_message(ctx: Ctx) -> Any:
    inter = _interaction_by_token(ctx)
    msg = _target(ctx, inter)
    msg.deleted = True
    inter.touch()
    ctx.state.notify()
    return Reply(204)


def register(router: Router) -> None:
    router.add("POST", "/interactions/{interaction_id}/{interaction_token}/callback", callback, auth=False)
    hook = "/webhooks/{webhook_id}/{webhook_token}"
    router.add("POST", hook, followup, auth=False)
    for suffix in ("/messages/@original", "/messages/{message_id}"):
        router.add("GET", hook + suffix, get_webhook_message, auth=False)
        router.add("PATCH", hook + suffix, edit_webhook_message, auth=False)
        router.add("DELETE", hook + suffix, delete_webhook_message, auth=False)
