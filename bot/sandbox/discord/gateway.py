"""The Gateway (v10, JSON text frames, no compression): HELLO, IDENTIFY/READY, RESUME/RESUMED, dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import WSMsgType, web

from . import payloads
from . import permissions as perm
from .log import GatewayRecord

if TYPE_CHECKING:
    from .server import SandboxDiscord

JSON = dict[str, Any]
_log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE, RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, ACK = (
    0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11,
)
HEARTBEAT_INTERVAL_MS = 41250

GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 1, 1 << 9, 1 << 12, 1 << 15
_MEMBER_EVENTS = {"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE", "THREAD_MEMBERS_UPDATE"}
_MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"}
GUILD_SCHEDULED_EVENTS = 1 << 16
_SCHEDULED_EVENT_EVENTS = {"GUILD_SCHEDULED_EVENT_CREATE", "GUILD_SCHEDULED_EVENT_UPDATE", "GUILD_SCHEDULED_EVENT_DELETE",
                           "GUILD_SCHEDULED_EVENT_USER_ADD", "GUILD_SCHEDULED_EVENT_USER_REMOVE"}
CHUNK_SIZE = 1000
_ALWAYS = {"READY", "RESUMED", "INTERACTION_CREATE", "GUILD_MEMBERS_CHUNK"}


@dataclass
class Session:
    id: str
    intents: int
    shard: tuple[int, int] | None
    large_threshold: int = 250
    seq: int = 0
    buffer: deque[JSON] = field(default_factory=lambda: deque(maxlen=2000))
    queue: asyncio.Queue[JSON | None] | None = None
    ws: web.WebSocketResponse | None = None
    alive: bool = True

    def covers(self, guild_id: int | None) -> bool:
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    def wants(self, event: str, guild_id: int | None) -> bool:
        if event in _ALWAYS:
            return True
        if event in _MEMBER_EVENTS:
            return bool(self.intents & GUILD_MEMBERS)
        if event in _SCHEDULED_EVENT_EVENTS:
            return bool(self.intents & GUILD_SCHEDULED_EVENTS)
        if event in _MESSAGE_EVENTS:
            return bool(self.intents & (GUILD_MESSAGES if guild_id is not None else DIRECT_MESSAGES))
        return bool(self.intents & GUILDS)


class Gateway:
    def __init__(self, sandbox: SandboxDiscord) -> None:
        self.sandbox = sandbox
        self.sessions: dict[str, Session] = {}
        self._sockets: set[web.WebSocketResponse] = set()
        self._dropped: set[web.WebSocketResponse] = set()  # closed by the sandbox, so the session survives

    # ---- connections ------------------------------------------------------------------------------
    @property
    def connected(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.alive and s.ws is not None and not s.ws.closed]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: Session | None = None
        try:
            await self._send_raw(ws, {"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}, "HELLO")
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                session = await self._on_frame(ws, frame, session) or session
        finally:
            self._sockets.discard(ws)
            dropped = ws in self._dropped
            self._dropped.discard(ws)
            if session is not None and session.ws is ws:
                self._detach(session, clean=ws.close_code in (1000, 1001) and not dropped)
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, frame: JSON, session: Session | None) -> Session | None:
        op, data = int(frame.get("op", -1)), frame.get("d")
        if op == HEARTBEAT:
            await self._send_raw(ws, {"op": ACK}, None)
            return None
        self._record(_OP_NAMES.get(op, f"OP_{op}"), None, direction="in")
        if op == IDENTIFY:
            return await self._identify(ws, data or {})
        if op == RESUME:
            return await self._resume(ws, data or {})
        if op == REQUEST_MEMBERS and session is not None:
            self._members_chunk(session, data or {})
        return None

    async def _identify(self, ws: web.WebSocketResponse, data: JSON) -> Session | None:
        if data.get("token") != self.sandbox.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        shard = data.get("shard")
        if shard is not None and not (0 <= int(shard[0]) < int(shard[1])):
            await ws.close(code=4010, message=b"Invalid shard.")
            return None
        if perm.disallowed_intents(int(data.get("intents", 0)), self.sandbox.state.application_flags):
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        session = Session(
            id=secrets.token_hex(16),
            intents=int(data.get("intents", 0)),
            shard=(int(shard[0]), int(shard[1])) if shard else None,
            large_threshold=min(max(int(data.get("large_threshold") or 50), 50), 250),
        )
        self.sessions[session.id] = session
        self._attach(session, ws)
        state = self.sandbox.state
        bot_id = state.bot_user.id
        guilds = [g for g in state.guilds.values() if bot_id in g.members and session.covers(g.id)]
        me = payloads.user(state.bot_user) | {"verified": True, "mfa_enabled": False, "email": None}
        ready: JSON = {
            "v": 10,
            "user": me,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.sandbox.gateway_url,
            "application": {"id": str(state.application_id), "flags": payloads.application(state)["flags"]},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "_trace": ["sandbox"],
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        self._send(session, "READY", ready, None)
        for g in guilds:
            self._send(session, "GUILD_CREATE", payloads.guild_create(state, g, session.large_threshold), None)
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: JSON) -> Session | None:
        session = self.sessions.get(str(data.get("session_id", "")))
        if session is None or not session.alive or data.get("token") != self.sandbox.token:
            await self._send_raw(ws, {"op": INVALID_SESSION, "d": False}, "INVALID_SESSION")
            return None
        if session.ws is not None and session.ws is not ws:
            await session.ws.close(code=4000)
        self._attach(session, ws)
        last = int(data.get("seq") or 0)
        assert session.queue is not None
        for frame in list(session.buffer):
            if frame["s"] > last:
                session.queue.put_nowait(frame)
        self._send(session, "RESUMED", {"_trace": ["sandbox"]}, None)
        return session

    def _attach(self, session: Session, ws: web.WebSocketResponse) -> None:
        session.ws = ws
        session.queue = asyncio.Queue()
        asyncio.get_running_loop().create_task(self._writer(session, ws, session.queue))

    def _detach(self, session: Session, *, clean: bool) -> None:
        if session.queue is not None:
            session.queue.put_nowait(None)
        session.ws = None
        session.queue = None
        if clean:  # a client that closes with 1000/1001 ends its session (Discord invalidates it)
            session.alive = False

    async def _writer(self, session: Session, ws: web.WebSocketResponse, queue: asyncio.Queue[JSON | None]) -> None:
        while True:
            frame = await queue.get()
            if frame is None or ws.closed:
                return
            try:
                await ws.send_str(_text(frame))
            except (ConnectionError, RuntimeError):
                return

    # ---- dispatch ---------------------------------------------------------------------------------
    def _send(self, session: Session, event: str, data: JSON, user_id: int | None) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        if session.queue is not None:
            session.queue.put_nowait(frame)
        self._record(event, user_id, data=data, shard=session.shard[0] if session.shard else None)

    def dispatch(self, event: str, data: JSON, guild_id: int | None, user_id: int | None) -> None:
        """Send an event to every live session of the bot that covers the guild and has the intents."""
        for session in list(self.sessions.values()):
            if not session.alive or not session.covers(guild_id) or not session.wants(event, guild_id):
                continue
            payload = data
            if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and guild_id is not None:
                payload = self._without_content(session, data)
            self._send(session, event, payload, user_id)

    def _without_content(self, session: Session, data: JSON) -> JSON:
        """Without the MESSAGE_CONTENT intent, guild messages arrive empty unless they mention the bot."""
        if session.intents & MESSAGE_CONTENT:
            return data
        bot_id = str(self.sandbox.state.bot_user.id)
        if data.get("author", {}).get("id") == bot_id or f"<@{bot_id}>" in data.get("content", ""):
            return data
        return data | {"content": "", "embeds": [], "attachments": [], "components": []}

    def _members_chunk(self, session: Session, data: JSON) -> None:
        state = self.sandbox.state
        guild = state.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        query = str(data.get("query") or "").lower()
        ids = {int(u) for u in data.get("user_ids") or []}
        limit = int(data.get("limit") or 0) or len(guild.members)
        members = [
            m for m in guild.members.values()
            if (not ids or m.user_id in ids) and state.users[m.user_id].username.startswith(query)
        ][:limit]
        size = CHUNK_SIZE  # Discord sends at most 1,000 members per GUILD_MEMBERS_CHUNK
        count = max(1, -(-len(members) // size))
        for index in range(count):
            chunk: JSON = {
                "guild_id": str(guild.id),
                "members": [payloads.member(state, m) for m in members[index * size:(index + 1) * size]],
                "chunk_index": index,
                "chunk_count": count,
            }
            if index == count - 1:
                chunk["not_found"] = [str(i) for i in ids if i not in guild.members]
            if data.get("nonce"):
                chunk["nonce"] = data["nonce"]
            self._send(session, "GUILD_MEMBERS_CHUNK", chunk, None)

    # ---- faults -----------------------------------------------------------------------------------
    async def drop(self, code: int = 4000) -> int:
        """Close every gateway connection from the server side; the client reconnects and RESUMEs."""
        sockets = list(self._sockets)
        for ws in sockets:
            self._dropped.add(ws)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.close(code=code, message=b"sandbox dropped the connection")
        return len(sockets)

    async def request_reconnect(self) -> int:
        """Send op 7 RECONNECT to every connected session; the client closes and RESUMEs."""
        sessions = self.connected
        for s in sessions:
            if s.ws is not None:
                await self._send_raw(s.ws, {"op": RECONNECT, "d": None}, "RECONNECT")
        return len(sessions)

    async def invalidate_sessions(self) -> None:
        """End every session (op 9 false): the client must IDENTIFY again."""
        for s in list(self.sessions.values()):
            s.alive = False
            if s.ws is not None and not s.ws.closed:
                await self._send_raw(s.ws, {"op": INVALID_SESSION, "d": False}, "INVALID_SESSION")

    async def close(self) -> None:
        await self.drop(code=1001)

    # ---- helpers ----------------------------------------------------------------------------------
    async def _send_raw(self, ws: web.WebSocketResponse, frame: JSON, name: str | None) -> None:
        if ws.closed:
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(_text(frame))
        if name is not None:
            self._record(name, None)

    def _record(self, kind: str, user_id: int | None, *, direction: str = "out", data: Any = None,
                shard: int | None = None) -> None:
        self.sandbox.log.add_event(
            GatewayRecord(t=self.sandbox.clock.now(), type=kind, user_id=user_id, direction=direction,
                          data=data, shard=shard)
        )
        self.sandbox.state.notify()


_OP_NAMES = {
    IDENTIFY: "IDENTIFY", RESUME: "RESUME", REQUEST_MEMBERS: "REQUEST_GUILD_MEMBERS", PRESENCE: "PRESENCE_UPDATE",
    VOICE: "VOICE_STATE_UPDATE",
}


def _text(frame: JSON) -> str:
    """A gateway frame as Discord sends it with JSON encoding: a text message (orjson: a burst of a thousand
    events is the local Discord's work, not the bot's)."""
    return orjson.dumps(frame, option=orjson.OPT_NON_STR_KEYS).decode()
