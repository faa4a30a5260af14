"""Acknowledgements written the moment a click is read: an interaction's callback request goes onto a kept-alive
connection from the same call that parsed the gateway event, with no task, no lock and no HTTP client in
between.

Sent through discord.py (its webhook adapter on aiohttp), an acknowledgement is a task that takes several
turns of the event loop and about half a millisecond of the bot's CPU before its bytes are on the wire: with
a thousand clicks read in one go, the last one waited for every other's. Here the request is a few hundred
bytes formatted and written to an idle connection (:meth:`CallbackWire.send`); when none is idle it waits in
line and is written by the first connection whose answer comes back, as that answer is read.

Only what the fast path is sure of is settled here: a 2xx answer (applied) and Discord's "already
acknowledged" (40060: applied before). Anything else — a connection that dropped or timed out before its
answer, a 429, a 5xx, any other refusal — is reported as such, and the caller asks again on discord.py's own
path, which retries, waits out rate limits and treats "already acknowledged" as applied
(:func:`cogs.kit.first_response.send_once`): one first response either way.

One request at a time per connection (no pipelining: Discord answers each in ~100 ms, and a request queued on a
connection behind a slow one would wait for it), at most ``connections`` open; idle ones are reused, newest
first, and dropped when the server closes them. No discord import: this is HTTP/1.1, as Discord serves it.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast
from urllib.parse import quote, urlsplit

import orjson

log = logging.getLogger(__name__)

ALREADY_ACKNOWLEDGED = 40060
#: no answer by then: the connection is dropped and the answer counts as lost. Well inside Discord's 3 s, so the
#: handler's own acknowledgement (through discord.py) still has time to be applied
TIMEOUT_S = 1.5
#: a connection idle longer than this is not trusted with a click: servers and the networks between close idle
#: connections, not always saying so; a fresh one costs a handshake, a dead one the whole timeout
IDLE_S = 60.0
MAX_HEAD = 64 * 1024  # a status line and headers longer than this are not an HTTP answer we can trust
_NO_BODY = {204, 304}


class Outcome(Enum):
    APPLIED = "applied"  # 2xx: the interaction has this first response
    ALREADY = "already"  # 400 (40060): it had one already, this one or an earlier attempt
    LOST = "lost"  # no answer: the connection dropped or timed out (applied or not, nobody knows)
    REFUSED = "refused"  # any other answer (429, 5xx, 4xx): not applied here


@dataclass(slots=True)
class Answer:
    outcome: Outcome
    status: int = 0
    detail: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.outcome in (Outcome.APPLIED, Outcome.ALREADY)


@dataclass(slots=True)
class _Request:
    data: bytes
    future: asyncio.Future[Answer]


class _Connection(asyncio.Protocol):
    """One kept-alive connection: writes one request, reads its answer, and is idle again."""

    def __init__(self, wire: CallbackWire) -> None:
        self.wire = wire
        self.transport: asyncio.Transport | None = None
        self.request: _Request | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.buffer = bytearray()
        self.closed = False
        self.idle_since = 0.0

    # ---- asyncio.Protocol ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.request is None:  # nothing asked: a server talking out of turn is not to be trusted
            self.close()
            return
        parsed = _parse(self.buffer)
        if parsed is None:
            if len(self.buffer) > MAX_HEAD and b"\r\n\r\n" not in self.buffer:
                self._finish(Answer(Outcome.LOST, detail="an answer without an end to its headers"))
                self.close()
            return
        status, body, keep_alive, used = parsed
        del self.buffer[:used]
        self._finish(_answer(status, body))
        if keep_alive and not self.buffer and not self.closed:
            self.wire._idle(self)
        else:
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._finish(Answer(Outcome.LOST, detail=f"connection closed ({type(exc).__name__ if exc else 'by the server'})"))
        self.wire._gone(self)

    # ---- used by the wire -----------------------------------------------------------------------------
    def write(self, request: _Request) -> None:
        assert self.transport is not None
        self.request = request
        self.timer = asyncio.get_running_loop().call_later(self.wire.timeout_s, self._timed_out)
        self.transport.write(request.data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.close()
            self.wire._gone(self)

    def _timed_out(self) -> None:
        self.timer = None
        self._finish(Answer(Outcome.LOST, detail=f"no answer in {self.wire.timeout_s:.0f} s"))
        if self.transport is not None:
            self.transport.abort()
        self.close()

    def _finish(self, answer: Answer) -> None:
        request, self.request = self.request, None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if request is not None and not request.future.done():
            request.future.set_result(answer)


class CallbackWire:
    """Interaction callbacks on connections of their own, written synchronously (see the module's docstring)."""

    def __init__(self, base_url: str, *, user_agent: str, connections: int = 100, warm: int = 2,
                 timeout_s: float = TIMEOUT_S, idle_s: float = IDLE_S, tls: ssl.SSLContext | None = None) -> None:
        """``base_url``: the API's base, as discord.py's ``Route.BASE`` ("https://discord.com/api/v10"); ``tls``:
        how https is verified (the system's certificate authorities unless given)."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) base URL: {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = (tls or ssl.create_default_context()) if parts.scheme == "https" else None
        self.path = parts.path.rstrip("/")
        host_header = parts.netloc.rsplit("@", 1)[-1]
        self._head = (f"Host: {host_header}\r\nUser-Agent: {user_agent}\r\n"
                      "Content-Type: application/json\r\n").encode()
        self.connections, self.warm, self.timeout_s, self.idle_s = max(1, connections), warm, timeout_s, idle_s
        self._idle_connections: list[_Connection] = []
        self._waiting: deque[_Request] = deque()
        self._open: set[_Connection] = set()
        self._opening = 0
        self._closing = False

    @property
    def open_connections(self) -> int:
        return len(self._open)

    async def start(self) -> None:
        """Open the warm connections, so the first click does not wait for a handshake (failures only logged:
        the first clicks then open their own)."""
        results = await asyncio.gather(*(self._connect() for _ in range(self.warm)), return_exceptions=True)
        for result in results:
            if isinstance(result, _Connection):
                self._idle(result)
            elif isinstance(result, BaseException):
                log.warning("could not open a connection for acknowledgements: %s", result)

    def send(self, interaction_id: int, token: str, body: dict[str, Any]) -> asyncio.Future[Answer]:
        """Write ``POST …/interactions/{id}/{token}/callback`` now if a connection is idle (else as soon as one
        is); the future holds the answer."""
        data = orjson.dumps(body)
        target = f"{self.path}/interactions/{interaction_id}/{quote(token, safe='')}/callback"
        request = _Request(b"".join((f"POST {target} HTTP/1.1\r\n".encode(), self._head,
                                     f"Content-Length: {len(data)}\r\n\r\n".encode(), data)),
                           asyncio.get_running_loop().create_future())
        if self._closing:
            request.future.set_result(Answer(Outcome.LOST, detail="the bot is closing"))
            return request.future
        connection = self._fresh_idle()
        if connection is not None:
            connection.write(request)
        else:
            self._waiting.append(request)
            self._grow()
        return request.future

    async def close(self) -> None:
        self._closing = True
        while self._waiting:
            request = self._waiting.popleft()
            if not request.future.done():
                request.future.set_result(Answer(Outcome.LOST, detail="the bot is closing"))
        for connection in list(self._open):
            connection.close()

    # ---- internals ----------------------------------------------------------------------------------------
    def _grow(self) -> None:
        """One more connection for the requests waiting, while fewer than ``connections`` are open."""
        if len(self._open) + self._opening >= self.connections or self._opening >= len(self._waiting):
            return
        self._opening += 1
        asyncio.get_running_loop().create_task(self._open_one())

    async def _open_one(self) -> None:
        try:
            connection = await self._connect()
        except (OSError, TimeoutError) as exc:
            self._opening -= 1
            log.warning("could not open a connection for acknowledgements: %s", exc)
            self._fail_waiting_when_none_open(f"could not connect: {exc}")
            return
        self._opening -= 1
        self._idle(connection)
        self._grow()

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, connection = await asyncio.wait_for(loop.create_connection(
            lambda: _Connection(self), self.host, self.port, ssl=self.tls,
            server_hostname=self.host if self.tls else None), self.timeout_s)
        self._open.add(connection)
        return connection

    def _fresh_idle(self) -> _Connection | None:
        """The idle connection used last, when it has not been idle too long (those are closed)."""
        now = asyncio.get_running_loop().time()
        while self._idle_connections:
            connection = self._idle_connections.pop()
            if now - connection.idle_since <= self.idle_s:
                return connection
            connection.close()
        return None

    def _idle(self, connection: _Connection) -> None:
        if connection.closed:
            return
        if self._closing:
            connection.close()
        elif self._waiting:
            connection.write(self._waiting.popleft())
        else:
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle_connections.append(connection)

    def _gone(self, connection: _Connection) -> None:
        self._open.discard(connection)
        if connection in self._idle_connections:
            self._idle_connections.remove(connection)
        if self._waiting and not self._closing:
            self._grow()

    def _fail_waiting_when_none_open(self, detail: str) -> None:
        """No connection can be opened and none is open: the waiting requests go the slow way at once."""
        if self._open or self._opening:
            return
        while self._waiting:
            request = self._waiting.popleft()
            if not request.future.done():
                request.future.set_result(Answer(Outcome.LOST, detail=detail))


def _answer(status: int, body: bytes) -> Answer:
    if 200 <= status < 300:
        return Answer(Outcome.APPLIED, status)
    code = None
    try:
        parsed = orjson.loads(body) if body else None
        code = parsed.get("code") if isinstance(parsed, dict) else None
    except orjson.JSONDecodeError:
        pass
    if status == 400 and code == ALREADY_ACKNOWLEDGED:
        return Answer(Outcome.ALREADY, status)
    return Answer(Outcome.REFUSED, status, body[:200].decode("utf-8", "replace"))


def _parse(buffer: bytearray) -> tuple[int, bytes, bool, int] | None:
    """One whole HTTP/1.1 answer at the start of ``buffer``: (status, body, keep-alive, bytes used), or None
    while incomplete. Bodies by Content-Length, chunked, or none (204/304)."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    keep_alive = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    start = end + 4
    if status in _NO_BODY or 100 <= status < 200:
        return status, b"", keep_alive, start
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _chunked(buffer, start, status, keep_alive)
    if "content-length" in headers:
        length = int(headers["content-length"])
        if len(buffer) - start < length:
            return None
        return status, bytes(buffer[start:start + length]), keep_alive, start + length
    return None  # a body to the end of the connection: only whole when it closes (never kept alive)


def _chunked(buffer: bytearray, at: int, status: int, keep_alive: bool) -> tuple[int, bytes, bool, int] | None:
    body = bytearray()
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buffer[at:line_end]).split(b";", 1)[0], 16)
        at = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n\r\n", at - 2)
            if trailer_end < 0:
                return None
            return status, bytes(body), keep_alive, trailer_end + 4
        if len(buffer) < at + size + 2:
            return None
        body += buffer[at:at + size]
        at += size + 2
