"""A tiny REST router: Discord route templates (``/channels/{channel_id}/messages``) to handlers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .messages import UploadedFile

if TYPE_CHECKING:
    from .server import SandboxDiscord
    from .state import State

JSON = dict[str, Any]


@dataclass
class Reply:
    """A non-200 answer from a handler (``Reply(204)``, ``Reply(201, body)``)."""

    status: int
    body: Any = None


@dataclass
class Ctx:
    sandbox: SandboxDiscord
    params: dict[str, str]
    body: Any
    query: dict[str, str]
    files: list[UploadedFile] = field(default_factory=list)
    authorized: bool = False
    bearer_user: int | None = None  # the user of an OAuth2 bearer token (None: the bot's own token)

    @property
    def state(self) -> State:
        return self.sandbox.state

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            from .errors import form_error

            raise form_error([name], "NUMBER_TYPE_COERCE", "Value is not snowflake.") from None

    def json(self) -> JSON:
        return self.body if isinstance(self.body, dict) else {}


Handler = Callable[[Ctx], Awaitable[Any]]

# Major parameters: a rate-limit bucket is per route *and* per value of these.
MAJOR = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")


@dataclass
class RouteEntry:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    needs_auth: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


class Router:
    def __init__(self) -> None:
        self.routes: list[RouteEntry] = []

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self.routes.append(RouteEntry(method.upper(), template, re.compile(f"^{regex}$"), handler, auth))

    def route(self, method: str, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.add(method, template, fn, auth=auth)
            return fn

        return deco

    def match(self, method: str, path: str) -> tuple[RouteEntry, dict[str, str]] | None:
        """Literal segments win over parameters (``/users/@me`` before ``/users/{user_id}``)."""
        found: list[tuple[RouteEntry, dict[str, str]]] = []
        for entry in self.routes:
            if entry.method != method.upper():
                continue
            m = entry.pattern.match(path)
            if m:
                found.append((entry, m.groupdict()))
        if not found:
            return None
        found.sort(key=lambda f: len(f[1]))
        return found[0]

    def path_exists(self, path: str) -> bool:
        return any(entry.pattern.match(path) for entry in self.routes)


def major_of(params: dict[str, str]) -> str:
    return ":".join(params[k] for k in MAJOR if k in params)
