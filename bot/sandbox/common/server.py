"""The aiohttp scaffolding of the local X, Bluesky and Mastodon: :class:`LocalApi`.

A subclass says what its API answers (:meth:`LocalApi._route`), which rate-limit group a request counts
against (:meth:`LocalApi._group`) and the headers that tell (:meth:`LocalApi._rate_headers`), and the error
its API sends for an injected fault (:meth:`LocalApi._fault_error`); the base serves on 127.0.0.1 at a free
port, reads the JSON body, turns the API's error into its answer, and logs every request with the time of
the sandbox clock.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar, Protocol, Self, cast

from aiohttp import web

from bot.clock import Clock, SandboxClock
from bot.sandbox.common.limits import Fault, FaultKind, Faults
from bot.sandbox.common.records import RequestRecord


class _ApiError(Protocol):
    status: int

    @property
    def body(self) -> Any: ...


class LocalApi:
    """A local API server. ``await start()`` (or ``async with``), then talk to :attr:`base_url`; every
    request lands in :attr:`log`; ``faults.inject(...)`` makes the next requests fail or be slow."""

    content_type: ClassVar[str] = "application/json; charset=utf-8"
    api_error: ClassVar[type[Exception]]  # the API's error: an exception with ``status`` and ``body``

    def __init__(self, clock: Clock | None) -> None:
        self.clock: Clock = clock or SandboxClock()
        self.faults = Faults()
        self.log: list[RequestRecord] = []
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # lifecycle -------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)  # cancel held-back answers
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = cast(Any, site)._server.sockets[0].getsockname()[1]
        self._base_url = f"http://127.0.0.1:{port}"

    async def _close_clients(self) -> None:
        """Close the client sessions handed out by ``make_client`` (called by :meth:`stop`)."""

    async def stop(self) -> None:
        await self._close_clients()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._base_url

    def export_log(self) -> list[dict[str, Any]]:
        """The request log as ``{"t", "method", "path", "json", "status", "response"}`` dicts."""
        return [r.to_dict() for r in self.log]

    def _post_time(self, created_at: datetime | None) -> datetime:
        """When a post the scenario adds was made: ``created_at`` (timezone-aware), or now."""
        when = created_at or self.clock.now()
        if when.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        return when

    # what a subclass says --------------------------------------------------------------------------------
    def _group(self, request: web.Request) -> str | None:
        """The rate-limit group the request counts against (None: none)."""
        raise NotImplementedError

    async def _route(
        self, request: web.Request, body: Any, group: str | None, now: datetime, extra: dict[str, str]
    ) -> tuple[int, Any]:
        """(status, JSON payload) for the request, or raise :attr:`api_error`; ``extra``: more headers."""
        raise NotImplementedError

    def _rate_headers(self, group: str | None, now: datetime) -> dict[str, str]:
        """The rate-limit headers of an answer, as the group's window stands at ``now``."""
        raise NotImplementedError

    def _fault_error(self, kind: FaultKind) -> Exception:
        """The API's error for an injected ``429``, ``500`` or ``503`` fault."""
        raise NotImplementedError

    # HTTP ------------------------------------------------------------------------------------------------
    async def _read_body(self, request: web.Request) -> Any:
        """The request's JSON body (its text when it is not JSON), or None."""
        if not request.can_read_body:
            return None
        raw = await request.read()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode(errors="replace")

    def _logged_query(self, request: web.Request) -> Iterable[tuple[str, str]]:
        """The query parameters as the log shows them."""
        return request.query.items()

    async def _take_fault(self, path: str, now: datetime) -> datetime:
        """Apply the next injected fault for ``path``: a slow one sleeps (the time after it is returned),
        the others raise the API's error. ``now`` when there is none."""
        fault = self.faults.take(path)
        if fault is None:
            return now
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return self.clock.now()
        raise self._fault_error(fault.kind)

    async def _lose_answer(self, request: web.Request, fault: Fault) -> web.Response:
        """The request was applied; its answer never reaches the client."""
        if fault.kind == "lost-503":
            err = cast(_ApiError, self._fault_error("503"))
            return web.Response(body=json.dumps(err.body).encode(), status=err.status,
                                content_type="application/json")
        if fault.kind == "lost-timeout":
            await asyncio.sleep(fault.delay)
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=204)

    async def _handle(self, request: web.Request) -> web.Response:
        now = self.clock.now()
        body = await self._read_body(request)
        group = self._group(request)
        extra: dict[str, str] = {}
        lost = self.faults.take(request.path, lost=True, method=request.method)
        try:
            status, payload = await self._route(request, body, group, now, extra)
        except self.api_error as err:
            answer = cast(_ApiError, err)
            status, payload = answer.status, answer.body
        headers = {**self._rate_headers(group, self.clock.now()), **extra}
        query = "&".join(f"{k}={v}" for k, v in self._logged_query(request))
        self.log.append(
            RequestRecord(
                t=now,
                method=request.method,
                path=request.path + (f"?{query}" if query else ""),
                json=body,
                status=status,
                response=payload,
                headers=headers,
            )
        )
        if lost is not None and status < 400:  # applied: now the answer is lost
            return await self._lose_answer(request, lost)
        return web.Response(
            body=json.dumps(payload).encode(),
            status=status,
            headers={**headers, "Content-Type": self.content_type},
        )
