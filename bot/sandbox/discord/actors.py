"""What a person does in the Discord client, turned into the INTERACTION_CREATE payloads Discord sends."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator, Mapping
from typing import Any

from . import payloads
from .model import Channel, ChannelType, Command, Interaction, InteractionType, Message, Role, User
from .state import State

JSON = dict[str, Any]

SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
)


def start_interaction(
    state: State, user: User, kind: int, channel: Channel, data: JSON, message: Message | None = None,
    *, triggered_by: Interaction | None = None,
) -> Interaction:
    """Create the interaction and dispatch INTERACTION_CREATE to the bot; the ack clock starts now."""
    inter = Interaction(
        id=state.next_id(),
        token="aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
        type=kind,
        user_id=user.id,
        channel_id=channel.id,
        guild_id=channel.guild_id,
        data=data,
        created_mono=time.monotonic(),
        created_at=state.clock.now(),
        message_id=message.id if message else None,
        triggered_by=triggered_by.id if triggered_by else None,
    )
    state.interactions[inter.id] = inter
    state.interactions_by_token[inter.token] = inter
    state.emit("INTERACTION_CREATE", interaction_payload(state, inter, channel, message), channel.guild_id, user.id)
    state.notify()
    return inter


def start_interactions(
    state: State, presses: list[tuple[User, int, Channel, JSON, Message | None]],
) -> list[Interaction]:
    """Many people act in the same instant: every INTERACTION_CREATE is built first, then all are sent back to
    back, each one's ack clock starting as it is sent (building a payload is the local Discord's own work,
    not time the bot could use: on Discord, many machines build them at once)."""
    built: list[tuple[Interaction, Channel, JSON]] = []
    for user, kind, channel, data, message in presses:
        inter = Interaction(
            id=state.next_id(), token="aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48), type=kind, user_id=user.id,
            channel_id=channel.id, guild_id=channel.guild_id, data=data, created_mono=0.0,
            created_at=state.clock.now(), message_id=message.id if message else None,
        )
        built.append((inter, channel, interaction_payload(state, inter, channel, message)))
    for inter, channel, payload in built:
        inter.created_mono = time.monotonic()
        state.interactions[inter.id] = inter
        state.interactions_by_token[inter.token] = inter
        state.emit("INTERACTION_CREATE", payload, channel.guild_id, inter.user_id)
    state.notify()
    return [inter for inter, _, _ in built]


def interaction_payload(state: State, inter: Interaction, channel: Channel, message: Message | None) -> JSON:
    user = state.users[inter.user_id]
    out: JSON = {
        "id": str(inter.id),
        "application_id": str(state.application_id),
        "type": inter.type,
        "data": inter.data,
        "token": inter.token,
        "version": 1,
        "channel_id": str(channel.id),
        "channel": payloads.channel(state, channel),
        "locale": "en-GB",
        "entitlements": [],
        "attachment_size_limit": state.limits.attachment_size_limit,
        "app_permissions": str(state.permissions_in(state.bot_user.id, channel)),
    }
    if channel.guild_id is not None:
        guild = state.guilds[channel.guild_id]
        out["guild_id"] = str(guild.id)
        out["guild_locale"] = "en-US"
        out["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
        out["member"] = payloads.member(
            state, guild.members[user.id], permissions=state.permissions_in(user.id, channel)
        )
        out["authorizing_integration_owners"] = {"0": str(guild.id)}
        out["context"] = 0
    else:
        out["user"] = payloads.user(user)
        out["authorizing_integration_owners"] = {"0": "0"}
        out["context"] = 1
    if message is not None:
        out["message"] = payloads.message(state, message)
    return out


# ---- components ---------------------------------------------------------------------------------------
def walk_components(components: list[JSON]) -> Iterator[JSON]:
    for comp in components:
        yield comp
        yield from walk_components(comp.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(comp.get(key), dict):
                yield from walk_components([comp[key]])


def component_data(component: JSON, values: list[str] | None = None) -> JSON:
    data: JSON = {"custom_id": component["custom_id"], "component_type": component["type"]}
    if values is not None:
        data["values"] = values
    return data


def modal_submit_data(modal: JSON, answers: Mapping[str, str | list[str]]) -> JSON:
    """Answer a modal by each field's custom_id or label; keeps the modal's row/label structure."""
    used: set[str] = set()

    def answer(comp: JSON, label: str | None) -> JSON:
        cid = comp["custom_id"]
        keys = [k for k in (cid, label, comp.get("label")) if k]
        value = next((answers[k] for k in keys if k in answers), None)
        used.update(k for k in keys if k in answers)
        if comp.get("type") == 4:
            text = "" if value is None else str(value)
            if comp.get("required", True) and not text:
                raise ValueError(f"modal field {label or comp.get('label') or cid!r} is required")
            return {"type": 4, "custom_id": cid, "value": text}
        chosen = [] if value is None else ([value] if isinstance(value, str) else list(value))
        return {"type": comp["type"], "custom_id": cid, "values": chosen}

    rows: list[JSON] = []
    for comp in modal.get("components") or []:
        if comp.get("type") == 1:
            rows.append({"type": 1, "components": [answer(c, None) for c in comp.get("components") or []]})
        elif comp.get("type") == 18:
            rows.append({"type": 18, "component": answer(comp["component"], comp.get("label"))})
    unknown = set(answers) - used
    if unknown:
        raise ValueError(f"the modal has no field(s) {sorted(unknown)}")
    return {"custom_id": modal["custom_id"], "components": rows}


# ---- slash commands -----------------------------------------------------------------------------------
def _id_of(value: Any) -> int:
    for attr in ("id",):
        if hasattr(value, attr):
            return int(getattr(value, attr))
    return int(value)


def command_data(state: State, cmd: Command, path: tuple[str, ...], options: Mapping[str, Any]) -> JSON:
    """The ``data`` of a CHAT_INPUT interaction: nested sub-command options, typed values, resolved objects."""
    schema: list[JSON] = list(cmd.raw.get("options") or [])
    resolved: dict[str, dict[str, JSON]] = {}
    chain: list[JSON] = []
    for name in path:
        found = next((o for o in schema if o["name"] == name and o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)), None)
        if found is None:
            raise LookupError(f"/{cmd.name} has no sub-command {name!r}")
        chain.append({"type": found["type"], "name": name, "options": []})
        schema = list(found.get("options") or [])
    if any(o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
        raise LookupError(f"/{cmd.name} {' '.join(path)} needs a sub-command")
    leaf: list[JSON] = []
    for name, value in options.items():
        opt = next((o for o in schema if o["name"] == name), None)
        if opt is None:
            raise LookupError(f"/{cmd.name} has no option {name!r}")
        leaf.append(_option_value(state, opt, value, resolved))
    for opt in schema:
        if opt.get("required") and opt["name"] not in options:
            raise ValueError(f"/{cmd.name}: option {opt['name']!r} is required")
    current = leaf
    for part in reversed(chain):
        part["options"] = current
        current = [part]
    data: JSON = {"id": str(cmd.id), "name": cmd.name, "type": 1, "options": current}
    if resolved:
        data["resolved"] = resolved
    if cmd.guild_id is not None:
        data["guild_id"] = str(cmd.guild_id)
    return data


def _option_value(state: State, opt: JSON, value: Any, resolved: dict[str, dict[str, JSON]]) -> JSON:
    kind = opt.get("type", STRING)
    out: JSON = {"name": opt["name"], "type": kind}
    if kind in (USER, MENTIONABLE) and not isinstance(value, Role):
        user = state.user(_id_of(getattr(value, "user", value)))
        out["value"] = str(user.id)
        resolved.setdefault("users", {})[str(user.id)] = payloads.user(user)
        for guild in state.guilds.values():
            member = guild.members.get(user.id)
            if member is not None:
                resolved.setdefault("members", {})[str(user.id)] = payloads.member(
                    state, member, with_user=False, permissions=state.guild_permissions(guild, user.id)
                )
                break
    elif kind in (CHANNEL,):
        channel = state.channel(_id_of(value))
        out["value"] = str(channel.id)
        data = payloads.channel(state, channel)
        data["permissions"] = "0"
        resolved.setdefault("channels", {})[str(channel.id)] = data
    elif kind in (ROLE, MENTIONABLE):
        role = state.roles[_id_of(value)]
        out["value"] = str(role.id)
        resolved.setdefault("roles", {})[str(role.id)] = payloads.role(role)
    elif kind == INTEGER:
        out["value"] = int(value)
    elif kind == NUMBER:
        out["value"] = float(value)
    elif kind == BOOLEAN:
        out["value"] = bool(value)
    else:
        out["value"] = str(value)
    choices = opt.get("choices")
    if choices and out["value"] not in [c["value"] for c in choices]:
        raise ValueError(f"option {opt['name']!r}: {value!r} is not one of the choices")
    return out


def guild_text_channel_for(state: State, user_id: int, guild_id: int) -> Channel | None:
    """The first text channel in the guild that both the person and the bot can see."""
    guild = state.guilds[guild_id]
    for cid in guild.channels:
        c = state.channels[cid]
        if c.type == ChannelType.GUILD_TEXT and state.can_view(user_id, c) and state.can_view(state.bot_user.id, c):
            return c
    return None


__all__ = ["InteractionType", "command_data", "component_data", "modal_submit_data", "start_interaction"]
