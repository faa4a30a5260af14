"""The local Discord's fast yes/no on a body (bot/sandbox/discord/verdict.py) agrees with jsonschema on Discord's own
schemas: a body it lets through is one jsonschema finds nothing wrong with, whatever was changed in it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bot.sandbox.discord.spec import load
from bot.sandbox.discord.verdict import compile_verdict

_USER = {"id": "3", "username": "a", "avatar": None, "discriminator": "0", "public_flags": 0, "flags": 0,
         "global_name": None, "primary_guild": None}
_BUTTON_ROW = {"type": 1, "id": 1, "components": [{"type": 2, "id": 2, "style": 1, "label": "ok", "custom_id": "ok"}]}
_MESSAGE = {
    "id": "1", "channel_id": "2", "type": 0, "content": "hello", "mentions": [_USER], "mention_roles": [],
    "attachments": [], "embeds": [{"type": "rich", "title": "t", "description": "d", "fields": [
        {"name": "n", "value": "v", "inline": False}]}], "timestamp": "2026-01-01T00:00:00+00:00",
    "edited_timestamp": None, "flags": 0, "components": [_BUTTON_ROW], "pinned": False, "mention_everyone": False,
    "tts": False, "author": _USER,
}
_CREATE = {"content": "hi", "embeds": [{"title": "t", "description": "d", "color": 5}], "allowed_mentions": {
    "parse": ["users"]}, "components": [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "ok", "custom_id": "ok"}]}]}
_CALLBACK = {"type": 9, "data": {"custom_id": "m", "title": "Note", "components": [{"type": 1, "components": [
    {"type": 4, "custom_id": "note", "label": "Your note", "style": 2, "max_length": 400, "required": False}]}]}}
_CHANNEL = {"id": "5", "type": 0, "guild_id": "6", "name": "general", "position": 0, "permission_overwrites": [
    {"id": "6", "type": 0, "allow": "0", "deny": "1024"}], "parent_id": None, "flags": 0, "last_message_id": None,
    "nsfw": False, "topic": None, "rate_limit_per_user": 0}

#: (request or response, method, path, status, a body that conforms)
CASES: list[tuple[str, str, str, int | None, Any]] = [
    ("response", "GET", "/channels/2/messages/1", 200, _MESSAGE),
    ("request", "POST", "/channels/2/messages", None, _CREATE),
    ("request", "POST", "/interactions/1/tok/callback", None, _CALLBACK),
    ("response", "GET", "/channels/5", 200, _CHANNEL),
]


@cache
def _schema(kind: str, method: str, path: str, status: int | None) -> tuple[Any, Draft202012Validator]:
    spec = load()
    op = spec.operation(method, path)
    assert op is not None
    if kind == "request":
        pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
    else:
        pointer = f"{op.pointer}/responses/{status}/content/application~1json/schema"
    compiler = spec._compilers[kind]
    compiled = compiler.compile(compiler.at(pointer))
    return compiled, Draft202012Validator(compiled)


def test_every_body_schema_the_local_discord_uses_gets_a_fast_verdict() -> None:
    for kind, method, path, status, body in CASES:
        compiled, validator = _schema(kind, method, path, status)
        verdict = compile_verdict(compiled)
        assert verdict is not None, f"{kind} {method} {path}: judged by jsonschema alone"
        assert validator.is_valid(body) and verdict(body), f"the sample {kind} for {method} {path} conforms"


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**64), st.floats(allow_nan=False, width=32),
                     st.text(max_size=5), st.sampled_from(["1", "0", "", "x" * 4001, "rich", "ok", "a" * 101]))
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["id", "type", "name", "x", "components"]),
                                                 inner, max_size=3)), max_leaves=6)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*at, i))
    return out


@cache
def _verdict(kind: str, method: str, path: str, status: int | None) -> Callable[[Any], bool]:
    verdict = compile_verdict(_schema(kind, method, path, status)[0])
    assert verdict is not None
    return verdict


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), data=st.data())
def test_a_changed_body_passes_the_fast_verdict_only_when_jsonschema_passes_it(
    case: tuple[str, str, str, int | None, Any], data: st.DataObject,
) -> None:
    kind, method, path, status, sample = case
    compiled, validator = _schema(kind, method, path, status)
    verdict = _verdict(kind, method, path, status)
    body = copy.deepcopy(sample)
    for _ in range(data.draw(st.integers(1, 3))):  # replace, remove, add or grow something somewhere
        where = data.draw(st.sampled_from(_paths(body)))
        if not where:
            continue
        parent = body
        for step in where[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "remove", "add", "grow"]))
        if action == "grow":  # past Discord's lengths: a long text, a long list, many members
            value = parent[where[-1]]
            if isinstance(value, str | list):
                parent[where[-1]] = (value or "x") * data.draw(st.sampled_from([2, 30, 4001]))
            elif isinstance(value, dict):
                value.update({f"k{i}": i for i in range(data.draw(st.sampled_from([3, 30])))})
        elif action == "replace":
            parent[where[-1]] = data.draw(_JSON)
        elif action == "remove" and isinstance(parent, dict):
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["id", "type", "label", "extra", "style"]))] = data.draw(_JSON)
        else:
            parent.append(copy.deepcopy(parent[where[-1]]))
    assert verdict(body) == validator.is_valid(body)
