"""Creating and editing messages the way Discord does (validation, permissions, DMs closed, attachments)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from . import errors, payloads
from . import permissions as perm
from .model import EPHEMERAL_FLAG, Attachment, Channel, ChannelType, Message
from .state import State

JSON = dict[str, Any]

_MENTION = re.compile(r"<@!?(\d+)>")
_ALLOWED_FLAGS = 4 | 128 | 4096 | EPHEMERAL_FLAG | (1 << 15)  # suppress embeds/notifications, ephemeral, components v2
#: "checked for uniqueness in the past few minutes" (Discord's Create Message, ``enforce_nonce``)
NONCE_WINDOW = timedelta(minutes=5)


@dataclass
class UploadedFile:
    field: str  # files[0]
    filename: str
    content_type: str | None
    data: bytes


def _attachments(state: State, body: JSON, files: list[UploadedFile], keep: list[Attachment]) -> list[Attachment]:
    """Files uploaded now (matched to ``attachments[].id`` = their index) plus existing ones the body keeps."""
    out: list[Attachment] = []
    described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
    kept_ids = set(described)
    for a in keep:
        if str(a.id) in kept_ids:
            out.append(a)
    for f in files:
        m = re.fullmatch(r"files\[(\d+)\]", f.field)
        index = m.group(1) if m else str(len(out))
        meta = described.get(index, {})
        size = len(f.data)
        if size > state.limits.attachment_size_limit:
            raise errors.ApiError(413, 40005, "Request entity too large")
        out.append(Attachment(id=state.next_id(), filename=meta.get("filename") or f.filename, size=size,
                              content_type=f.content_type, data=f.data, description=meta.get("description")))
    return out


_SELECTS = (3, 5, 6, 7, 8)


def stored_components(components: list[JSON]) -> list[JSON]:
    """Components as Discord stores and returns them: every component gets a numeric ``id`` (an incrementing
    sequence within the message, skipping ids the bot chose itself) and selects get their
    ``min_values``/``max_values`` defaults."""
    copied: list[JSON] = json.loads(json.dumps(components))
    taken: set[int] = set()
    every: list[JSON] = []

    def walk(items: list[JSON]) -> None:
        for comp in items:
            every.append(comp)
            if isinstance(comp.get("id"), int):
                taken.add(comp["id"])
            walk(comp.get("components") or [])
            for key in ("component", "accessory"):
                if isinstance(comp.get(key), dict):
                    walk([comp[key]])

    walk(copied)
    next_id = 1
    for comp in every:
        if not isinstance(comp.get("id"), int):
            while next_id in taken:
                next_id += 1
            comp["id"] = next_id
            taken.add(next_id)
        if comp.get("type") in _SELECTS:
            comp.setdefault("min_values", 1)
            comp.setdefault("max_values", 1)
    return copied


def check_can_post(state: State, c: Channel, author_id: int) -> None:
    """Discord's checks before a message lands: DMs open, channel visible, send permission."""
    if c.type == ChannelType.DM:
        if author_id == state.bot_user.id:
            recipient = state.users[c.recipients[0]]
            if not recipient.dms_open:
                raise errors.cannot_dm()
        elif author_id not in c.recipients:
            raise errors.missing_access()
        return
    needed = perm.SEND_MESSAGES_IN_THREADS if c.type in ChannelType.THREADS else perm.SEND_MESSAGES
    state.require(author_id, c, needed)
    state.thread_activity(c, author_id)


def post_message(
    state: State,
    c: Channel,
    author_id: int,
    body: JSON,
    files: list[UploadedFile] | None = None,
    *,
    interaction_id: int | None = None,
    webhook_id: int | None = None,
    visible_to: int | None = None,
    check: bool = True,
    allow_empty: bool = False,
) -> Message:
    files = files or []
    errors.validate_message_body(body, require_content=not files and not allow_empty)
    nonce = None if body.get("nonce") is None else str(body["nonce"])
    if nonce is not None and body.get("enforce_nonce"):
        earlier = _created_with_nonce(state, author_id, nonce)
        if earlier is not None:  # a retried create: the message made the first time, and no new one
            return earlier
    if check:
        check_can_post(state, c, author_id)
    flags = int(body.get("flags") or 0) & _ALLOWED_FLAGS
    if flags & EPHEMERAL_FLAG and interaction_id is None:
        flags &= ~EPHEMERAL_FLAG
    ref = body.get("message_reference")
    msg = Message(
        id=state.next_id(),
        channel_id=c.id,
        guild_id=c.guild_id,
        author_id=author_id,
        timestamp=state.clock.now(),
        content=str(body.get("content") or ""),
        embeds=list(body.get("embeds") or []),
        components=stored_components(body.get("components") or []),
        attachments=_attachments(state, body, files, []),
        flags=flags,
        webhook_id=webhook_id,
        application_id=state.application_id if webhook_id else None,
        interaction_id=interaction_id,
        visible_to=visible_to if flags & EPHEMERAL_FLAG else None,
        message_reference=ref if isinstance(ref, dict) else None,
        type=19 if isinstance(ref, dict) else (20 if interaction_id and webhook_id else 0),
        nonce=nonce,
    )
    state.messages[msg.id] = msg
    if nonce is not None and body.get("enforce_nonce"):
        state.nonces[(author_id, nonce)] = msg.id
    c.last_message_id = msg.id
    c.message_count += 1
    if c.type == ChannelType.PRIVATE_THREAD:  # a mention in a private thread adds the mentioned member
        guild = state.guilds[c.guild_id or 0]
        for uid in _MENTION.findall(msg.content):
            if int(uid) in guild.members:
                state.add_thread_member(c, int(uid))
    bot_sees = c.guild_id is None or state.can_view(state.bot_user.id, c)
    if not msg.ephemeral and bot_sees:
        state.emit("MESSAGE_CREATE", payloads.message(state, msg), c.guild_id, _concerns(state, c, author_id))
    state.notify()
    return msg


def _created_with_nonce(state: State, author_id: int, nonce: str) -> Message | None:
    """The message ``author_id`` created with ``nonce`` (and ``enforce_nonce``) in the past few minutes."""
    found = state.messages.get(state.nonces.get((author_id, nonce), 0))
    if found is None or found.deleted or state.clock.now() - found.timestamp > NONCE_WINDOW:
        return None
    return found


def _concerns(state: State, c: Channel, author_id: int) -> int | None:
    """The person a message event is about: its author, or for the bot's DMs the recipient."""
    if author_id == state.bot_user.id and c.type == ChannelType.DM:
        return c.recipients[0]
    return author_id


def edit_message(state: State, msg: Message, body: JSON, files: list[UploadedFile] | None = None) -> Message:
    errors.validate_message_body(body, require_content=False)
    if "content" in body:
        msg.content = str(body["content"] or "")
    if "embeds" in body:
        msg.embeds = list(body["embeds"] or [])
    if "components" in body:
        msg.components = stored_components(body["components"] or [])
    if "attachments" in body or files:
        msg.attachments = _attachments(state, body, files or [], msg.attachments)
    if body.get("flags") is not None:
        msg.flags = (msg.flags & EPHEMERAL_FLAG) | (int(body["flags"]) & (_ALLOWED_FLAGS & ~EPHEMERAL_FLAG))
    if not (msg.content or msg.embeds or msg.components or msg.attachments):
        raise errors.ApiError(400, 50006, "Cannot send an empty message")
    msg.edited_timestamp = state.clock.now()
    c = state.channels[msg.channel_id]
    if not msg.ephemeral:
        state.emit("MESSAGE_UPDATE", payloads.message(state, msg), c.guild_id, _concerns(state, c, msg.author_id))
    state.notify()
    return msg


def visible_messages(state: State, user_id: int) -> list[Message]:
    """Messages a person can see, newest first: their DMs, their ephemerals, channels they can view."""
    out: list[Message] = []
    for m in state.messages.values():
        if m.deleted:
            continue
        if m.visible_to is not None:
            if m.visible_to == user_id:
                out.append(m)
            continue
        c = state.channels.get(m.channel_id)
        if c is None:
            continue
        if c.type == ChannelType.DM:
            if user_id in c.recipients:
                out.append(m)
        elif state.can_view(user_id, c):
            out.append(m)
    out.sort(key=lambda m: m.id, reverse=True)
    return out
