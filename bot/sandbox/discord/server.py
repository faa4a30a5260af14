"""``SandboxDiscord``: the local Discord's state, REST and Gateway on 127.0.0.1, and helpers to build a world."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import orjson
from aiohttp import BodyPartReader, web

from bot.clock import Clock, SandboxClock

from . import errors
from . import permissions as perm
from .gateway import Gateway
from .limits import Fault, Faults, Limits, RateLimiter
from .log import RequestLog, RestRecord
from .messages import UploadedFile
from .model import Channel, ChannelType, Guild, Overwrite, Role, User
from .oauth import OAuth2
from .router import Ctx, Reply, major_of
from .routes import build_router
from .spec import TALLY, Finding, OpenApiSpec
from .spec import load as load_spec
from .state import State

if TYPE_CHECKING:
    from bot.sandbox.people import Persona

JSON = dict[str, Any]
API_PREFIX = "/api/v10"
#: routes a person's OAuth2 bearer token (scope ``identify``) may call: the rest need the bot's token
BEARER_ROUTES = frozenset({"GET /users/@me"})
_log = logging.getLogger(__name__)


class SandboxDiscord:
    """A small, faithful Discord for one bot application. ``await start()``, point discord.py at
    :attr:`base_url` / :attr:`gateway_url` (see :mod:`bot.sandbox.connect`), ``await stop()``."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        limits: Limits | None = None,
        token: str = "sandbox-bot-token",
        bot_name: str = "MentorBot",
        recommended_shards: int = 1,
        spec: OpenApiSpec | None = None,
        client_secret: str = "sandbox-client-secret",
    ) -> None:
        self.clock: Clock = clock or SandboxClock()
        self.limits = limits or Limits()
        self.token = token
        self.recommended_shards = recommended_shards
        self.state = State(self.clock, self.limits, bot_name=bot_name)
        self.log = RequestLog()
        self.faults = Faults()
        self.ratelimiter = RateLimiter(self.limits)
        self.gateway = Gateway(self)
        self.router = build_router()
        #: Discord's published OpenAPI document: requests that break it are refused (400/50035) and every
        #: answer is checked against it (findings land on the request log). ``strict = False`` turns both off.
        self.spec = spec or load_spec()
        self.strict = True
        self.people: dict[str, Persona] = {}
        self.state.emit = self.gateway.dispatch
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_get("/gateway", self.gateway.handle)
        self.app.router.add_get("/gateway/", self.gateway.handle)
        self.app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        #: OAuth2 sign-in of people (authorization code, scope ``identify``): a web app's "Sign in with Discord"
        self.oauth2 = OAuth2(self, client_secret)
        self.oauth2.add_routes(self.app, API_PREFIX)
        self.app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner: web.AppRunner | None = None
        # clock jumps (jump_clock) wait for the requests being answered, and hold back new ones meanwhile
        self._answering = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._open = asyncio.Event()
        self._open.set()
        self.port = 0

    # ---- lifecycle --------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def bot_user(self) -> User:
        return self.state.bot_user

    @property
    def application_id(self) -> int:
        return self.state.application_id

    async def start(self) -> SandboxDiscord:
        # stopping cancels what is still in flight after a quarter of a second: a fault holding an answer
        # back for 20 s must not hold up the end of a test (aiohttp's default waits up to 60 s)
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=0.25)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server  # asyncio's or uvloop's: both list their sockets
        assert server is not None
        self.port = cast(Any, server).sockets[0].getsockname()[1]
        self.state.cdn_base = f"http://127.0.0.1:{self.port}"
        return self

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- building a world -------------------------------------------------------------------------
    def create_user(self, name: str, *, bot: bool = False, dms_open: bool = True) -> User:
        return self.state.create_user(name, bot=bot, dms_open=dms_open)

    def create_guild(self, name: str, owner: User | Persona | None = None, *,
                     bot_permissions: int = perm.DEFAULT_BOT, general: bool = True) -> Guild:
        """A guild the bot is in (the owner is a plain user unless given), with @everyone, the bot's role
        and (unless ``general=False``) a #general channel."""
        owner_user = owner if owner is None or isinstance(owner, User) else owner.user
        return self.state.create_guild(name, owner_user, bot_permissions=bot_permissions, general=general)

    def create_role(self, guild: Guild, name: str, *, permissions: int = 0, color: int = 0) -> Role:
        return self.state.create_role(guild, name, permissions=permissions, color=color)

    def create_category(self, guild: Guild, name: str, *, overwrites: list[Overwrite] | None = None) -> Channel:
        return self.state.create_channel(guild, name, type=ChannelType.GUILD_CATEGORY, overwrites=overwrites)

    def create_voice_channel(self, guild: Guild, name: str, *, overwrites: list[Overwrite] | None = None) -> Channel:
        return self.state.create_channel(guild, name, type=ChannelType.GUILD_VOICE, overwrites=overwrites)

    def create_text_channel(self, guild: Guild, name: str, *, category: Channel | None = None,
                            overwrites: list[Overwrite] | None = None, topic: str | None = None) -> Channel:
        return self.state.create_channel(guild, name, parent_id=category.id if category else None,
                                         overwrites=overwrites, topic=topic)

    def person(self, name: str, *, dms_open: bool = True, behaviours: tuple[str, ...] | list[str] = ()) -> Persona:
        """A simulated person (see :mod:`bot.sandbox.people`); the same name returns the same persona."""
        from bot.sandbox.people import Persona

        if name not in self.people:
            self.people[name] = Persona(self, name, dms_open=dms_open, behaviours=behaviours)
        return self.people[name]

    def channel_named(self, guild: Guild, name: str) -> Channel | None:
        for cid in [*guild.channels, *guild.threads]:
            c = self.state.channels[cid]
            if c.name == name:
                return c
        return None

    def can_see(self, user: User | int, channel: Channel | int) -> bool:
        uid = user if isinstance(user, int) else user.id
        c = channel if isinstance(channel, Channel) else self.state.channel(channel)
        return self.state.can_view(uid, c)

    # ---- gateway faults ---------------------------------------------------------------------------
    async def drop_gateway(self, code: int = 4000) -> int:
        return await self.gateway.drop(code)

    async def request_reconnect(self) -> int:
        return await self.gateway.request_reconnect()

    async def invalidate_sessions(self) -> None:
        """Op 9 (not resumable) to every session: the client must IDENTIFY again."""
        await self.gateway.invalidate_sessions()

    async def wait_for_sessions(self, count: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until ``count`` gateway sessions are connected (e.g. after a drop)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.gateway.connected) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"sandbox: {len(self.gateway.connected)} of {count} gateway sessions connected")
            await asyncio.sleep(0.02)

    # ---- HTTP -------------------------------------------------------------------------------------
    async def _attachment(self, request: web.Request) -> web.Response:
        for m in self.state.messages.values():
            for a in m.attachments:
                if str(a.id) == request.match_info["attachment_id"]:
                    return web.Response(body=a.data, content_type=a.content_type or "application/octet-stream")
        return web.Response(status=404)

    async def jump_clock(self, delta: timedelta, *, timeout: float = 60.0) -> datetime:  # noqa: ASYNC109
        """Move the sandbox clock forward by ``delta`` once no REST request is being answered (new ones wait
        until it has moved). Days pass in no time here while a request takes real time: a jump landing between a
        request's arrival and its answer would make it span days, which no request to Discord does — its nonce
        window, a claim's age, all measured across the jump. After ``timeout`` the clock moves regardless."""
        clock = self.clock
        if not isinstance(clock, SandboxClock):
            raise TypeError("only a SandboxClock jumps")
        self._open.clear()
        try:
            try:
                await asyncio.wait_for(self._idle.wait(), timeout)
            except TimeoutError:
                _log.warning("sandbox: %d requests still being answered after %.0f s; the clock moves anyway",
                             self._answering, timeout)
            return clock.advance(delta)
        finally:
            self._open.set()

    async def _rest(self, request: web.Request) -> web.Response:
        await self._open.wait()  # a clock jump is under way: this request arrives after it
        self._answering += 1
        self._idle.clear()
        try:
            return await self._answer(request)
        finally:
            self._answering -= 1
            if not self._answering:
                self._idle.set()

    async def _answer(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        method = request.method
        matched = self.router.match(method, path)
        body: Any = None
        files: list[UploadedFile] = []
        status, result, headers = 200, None, {"Via": "1.1 sandbox"}
        findings: list[Finding] = []
        fault = None
        lost: Fault | None = None
        try:
            body, files = await _read_body(request)
            if self.strict:  # judged as sent, whatever happens to it next
                findings = self.spec.check_request(method, path, dict(request.query), body, multipart=bool(files))
            fault = self.faults.take(method, path)
            if fault is not None and fault.kind == "lost":
                lost, fault = fault, None
            if fault is not None and fault.kind == "delay":
                await asyncio.sleep(fault.delay)
                fault = None
            if fault is not None:
                raise _FaultReply(fault.status, fault.body if fault.kind == "status" else {
                    "message": "You are being rate limited.", "retry_after": fault.retry_after, "global": fault.global_,
                    "code": 0,
                }, {"Retry-After": str(fault.retry_after), "X-RateLimit-Scope": "global" if fault.global_ else "user"}
                    if fault.kind == "rate_limit" else {})
            if matched is None:
                raise errors.ApiError(405 if self.router.path_exists(path) else 404, 0,
                                      "405: Method Not Allowed" if self.router.path_exists(path) else "404: Not Found")
            entry, params = matched
            bearer: int | None = None
            if entry.needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                bearer = self.oauth2.bearer_user(request.headers.get("Authorization"), "identify")
                if bearer is None or entry.key not in BEARER_ROUTES:
                    raise errors.ApiError(401, 0, "401: Unauthorized")
            exempt = path.startswith(("/interactions/", "/webhooks/"))
            verdict = self.ratelimiter.check(entry.key, major_of(params), counts_global=not exempt)
            headers.update(verdict.headers)
            if verdict.refused is not None:
                raise _FaultReply(429, verdict.refused, {})
            self._refuse_broken_request(method, path, body, findings)
            self.state.archive_idle_threads()  # the sandbox clock may have jumped since the last request
            ctx = Ctx(self, params, body, dict(request.query), files, authorized=True, bearer_user=bearer)
            out = await entry.handler(ctx)
            if isinstance(out, Reply):
                status, result = out.status, out.body
            else:
                result = out
        except errors.ApiError as exc:
            status, result = exc.status, exc.body()
        except _FaultReply as fr:
            status, result = fr.status, fr.body
            headers.update(fr.headers)
        except Exception:  # a sandbox bug must look like a Discord 500, and be visible in the logs
            _log.exception("sandbox: %s %s failed", method, path)
            status, result = 500, {"message": "500: Internal Server Error", "code": 0}
        outage = fault is not None and status >= 500  # an injected outage: not an answer the API describes
        if self.strict and not outage:
            findings.extend(self.spec.check_response(method, path, 204 if result is None and status == 200
                                                     else status, result))
        if self.strict:
            for finding in findings:
                _log.warning("sandbox: not as Discord's specification says: %s", finding)
            TALLY.add(method, path, findings, self.spec)
        self.log.add_rest(RestRecord(
            t=self.clock.now(), method=method, path=path,
            route=matched[0].template if matched else path, json=body, status=status, response=result,
            query=dict(request.query), files=[f.filename for f in files], findings=findings,
        ))
        if lost is not None and status < 400:  # applied: now the answer is lost
            return await _lose_answer(request, lost)
        if result is None:
            return web.Response(status=204 if status == 200 else status, headers=headers)
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=orjson.dumps(result, option=orjson.OPT_NON_STR_KEYS), headers=headers)

    def _refuse_broken_request(self, method: str, path: str, body: Any, findings: list[Finding]) -> None:
        """Discord refuses a body or query that breaks the schema with 50035 and the ``errors`` tree."""
        refused = [f for f in findings if f.kind == "request"]
        if not refused:
            return
        tree = self.spec.form_errors(method, path, body)
        if tree is None:  # a query parameter or a missing body
            name = refused[0].where.lstrip("?$.") or "_body"
            tree = {name: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": refused[0].message}]}}
        raise errors.ApiError(400, 50035, "Invalid Form Body", tree)


async def _lose_answer(request: web.Request, fault: Fault) -> web.Response:
    """The request was applied; its answer never reaches the client."""
    if fault.how == "status":
        return web.Response(status=fault.status, body=json.dumps({"message": f"{fault.status}: sandbox fault after "
                                                                   "the write", "code": 0}).encode(),
                            headers={"Content-Type": "application/json"})
    if fault.how == "timeout":
        await asyncio.sleep(fault.delay)
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=204)


class _FaultReply(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body if body is not None else {"message": f"{status}: sandbox fault", "code": 0}
        self.headers = headers


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """JSON bodies, or multipart ``payload_json`` + ``files[n]`` as discord.py sends attachments."""
    if not request.can_read_body:
        return None, []
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("multipart/"):
        body: Any = None
        files: list[UploadedFile] = []
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read(decode=False)
            if part.name == "payload_json":
                body = json.loads(data)
            else:
                files.append(UploadedFile(field=part.name or "", filename=part.filename or "file",
                                          content_type=part.headers.get("Content-Type"), data=bytes(data)))
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        raise errors.ApiError(400, 50109, "The request body contains invalid JSON.") from None

