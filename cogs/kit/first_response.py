"""An interaction's first response, sent exactly once, whoever asks and whatever happens to the request.

Discord accepts one first response per interaction (a deferral, a message, an update or a modal); a second is
refused with ``400 (40060) Interaction has already been acknowledged``. discord.py's ``InteractionResponse``
only knows it responded once the callback's answer has come back, so two paths can both send one, and a
callback whose answer was lost (a 5xx after Discord applied it — discord.py then retries —, a dropped
connection) looks failed although the person already sees "thinking…". Both ended in 40060, in an error
answer that could not be delivered either, and in a person left with "thinking…" forever.

:class:`OnceResponse` replaces ``interaction.response`` on every interaction as it arrives
(:func:`install`), so every cog, view, modal and the error path go through it unchanged:

* one first response is ever under way: whoever asks while it is (or after it succeeded) does not send
  another — a deferral is then a no-op, a message becomes a follow-up, an update edits the original;
* a 40060 answer to the bot's own first response means it was applied (its answer was lost and a retry
  found it done): the interaction is acknowledged, the work goes on;
* a lost answer (the connection dropped, nothing came back) is asked once more: applied before → 40060,
  acknowledged; not applied → this attempt applies it.

First responses also travel on their own connections (:func:`interaction_session`): an acknowledgement
never waits for a free connection behind the bot's other REST work, nor behind other interactions'
follow-ups and edits (those share the REST connections, as in discord.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import discord
from discord import InteractionResponseType
from discord.webhook.async_ import async_context, interaction_response_params

from cogs.kit.callback_wire import Answer, CallbackWire

log = logging.getLogger(__name__)

ALREADY_ACKNOWLEDGED = 40060  # Discord's code: this interaction has had its first response
#: Most connections open at once for first responses (0: no limit); idle ones are kept alive and reused.
#: Discord does not count callbacks against the global rate limit. A cap queues acknowledgements — N
#: connections carry N / round-trip a second (at Discord's ~100 ms, 100 carry ~1,000/s) — and no cap opens
#: (and TLS-handshakes) one connection per concurrent click.
INTERACTION_CONNECTIONS = 100
T = TypeVar("T")


async def send_once(interaction_id: int, kind: InteractionResponseType,
                    send: Callable[[], Awaitable[T]]) -> T | _Already:
    """Send a first response; a lost answer is asked once more, and "already acknowledged" means applied."""
    for attempt in (1, 2):
        try:
            return await send()
        except discord.HTTPException as exc:
            if exc.code != ALREADY_ACKNOWLEDGED:
                raise
            # applied earlier: our own answer was lost (discord.py retried after a 5xx), or the first
            # attempt below was applied before its connection dropped
            log.info("interaction %s: first response already applied (%s)", interaction_id, kind.name)
            return ALREADY
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            if attempt == 2:
                raise
            log.warning("interaction %s: the answer to its first response was lost (%s); asking again",
                        interaction_id, type(exc).__name__)
    raise AssertionError("unreachable")


class _Already:
    """The first response had already been sent (by another path): nothing more was sent as one."""


ALREADY = _Already()


class OnceResponse(discord.InteractionResponse[Any]):
    """``interaction.response`` that sends at most one first response (see the module's docstring)."""

    __slots__ = ("_under_way", "_session")

    def __init__(self, parent: discord.Interaction[Any], session: aiohttp.ClientSession | None = None) -> None:
        super().__init__(parent)
        #: the first response being sent (its result: whether it was applied), or ``None``
        self._under_way: asyncio.Future[bool] | None = None
        self._session = session  # the connections first responses travel on (None: the interaction's own)

    @property
    def settled(self) -> bool:
        """The first response was sent or is being sent: nobody else may send one."""
        return self._response_type is not None or self._under_way is not None

    async def acknowledged(self) -> bool:
        """Wait for a first response under way; whether the interaction has had one."""
        while self._response_type is None and self._under_way is not None:
            await asyncio.shield(self._under_way)
        return self._response_type is not None

    async def _first(self, kind: InteractionResponseType, send: Callable[[], Awaitable[T]]) -> T | _Already:
        if await self.acknowledged():
            return ALREADY
        under_way: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._under_way = under_way
        try:
            result = await self._send_once(kind, send)
        except BaseException:
            self._under_way = None  # not applied: the next path may try (its own error answer, say)
            under_way.set_result(False)
            raise
        self._response_type = self._response_type or kind
        under_way.set_result(True)
        return result

    async def _send_once(self, kind: InteractionResponseType, send: Callable[[], Awaitable[T]]) -> T | _Already:
        parent = self._parent
        rest = parent._session
        if self._session is not None:  # discord.py takes the session as the request starts
            parent._session = self._session
        try:
            result = await send_once(parent.id, kind, send)
        finally:
            parent._session = rest
        if result is ALREADY:
            self._response_type = kind
        return result

    def adopt(self, early: asyncio.Future[bool], kind: InteractionResponseType) -> None:
        """The first response was already sent from the raw gateway event (:class:`EarlyAcks`): it is this
        one's, under way or done."""
        if self.settled:
            return
        under_way: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._under_way = under_way

        def settle(task: asyncio.Future[bool]) -> None:
            applied = not task.cancelled() and task.exception() is None and task.result()
            if applied:
                self._response_type = kind
            else:
                self._under_way = None  # not applied: a handler may still answer
            under_way.set_result(applied)

        if early.done():
            settle(early)
        else:
            early.add_done_callback(settle)

    # ---- discord.py's ways to respond, each sent at most once ------------------------------------------
    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> Any:
        parent = self._parent
        kind = (InteractionResponseType.deferred_channel_message
                if thinking or parent.type is discord.InteractionType.application_command
                else InteractionResponseType.deferred_message_update)
        done = await self._first(kind, lambda: super(OnceResponse, self).defer(ephemeral=ephemeral, thinking=thinking))
        return None if done is ALREADY else done

    async def send_message(self, content: Any = None, **kwargs: Any) -> Any:
        if await self.acknowledged():  # acknowledged already: the message follows it
            return await self._followup(content, **kwargs)
        done = await self._first(InteractionResponseType.channel_message,
                                 lambda: super(OnceResponse, self).send_message(content, **kwargs))
        if done is ALREADY:
            return await self._followup(content, **kwargs)
        return done

    async def edit_message(self, **kwargs: Any) -> Any:
        if await self.acknowledged():  # acknowledged already: edit what it answered
            kwargs.pop("delete_after", None)
            kwargs.pop("suppress_embeds", None)
            await self._parent.edit_original_response(**kwargs)
            return None
        done = await self._first(InteractionResponseType.message_update,
                                 lambda: super(OnceResponse, self).edit_message(**kwargs))
        if done is ALREADY:
            await self._parent.edit_original_response(**kwargs)
            return None
        return done

    async def send_modal(self, modal: discord.ui.Modal, /) -> Any:
        if await self.acknowledged():
            raise discord.InteractionResponded(self._parent)
        done = await self._first(InteractionResponseType.modal, lambda: super(OnceResponse, self).send_modal(modal))
        return None if done is ALREADY else done

    async def autocomplete(self, choices: Any) -> None:
        if await self.acknowledged():
            raise discord.InteractionResponded(self._parent)
        await self._first(InteractionResponseType.autocomplete_result,
                          lambda: super(OnceResponse, self).autocomplete(choices))

    async def _followup(self, content: Any = None, **kwargs: Any) -> None:
        kwargs.pop("delete_after", None)
        kwargs.pop("suppress_embeds", None)
        await self._parent.followup.send(content, **kwargs)


def install(interaction: discord.Interaction[Any], session: aiohttp.ClientSession | None = None,
            early: EarlyAcks | None = None) -> None:
    """Give an interaction that just arrived its :class:`OnceResponse` (its first response on ``session``,
    the acknowledgements' own connections, when given; the one ``early`` sent already, if any); call before
    any handler runs."""
    response = OnceResponse(interaction, session)
    interaction._cs_response = response  # type: ignore[attr-defined]
    sent = early.take(interaction.id) if early is not None else None
    if sent is not None:
        response.adopt(*sent)


#: how a component acknowledges before its work (``PersistentItem.ack``): the callback type and its data
ACK_KINDS: dict[str, tuple[InteractionResponseType, dict[str, Any] | None]] = {
    "ephemeral": (InteractionResponseType.deferred_channel_message, {"flags": 64}),
    "visible": (InteractionResponseType.deferred_channel_message, None),
    "update": (InteractionResponseType.deferred_message_update, None),
}
COMPONENT = 3  # Discord's interaction type of a button or select click
#: the longest a click acknowledged from the raw event waits for discord.py to build it while clicks keep coming
MAX_DEFER_S = 0.1


class EarlyAcks:
    """Acknowledge a click from the raw gateway event, before discord.py builds the interaction, the message
    and its view, finds the component and runs its checks: the acknowledgement a component declares
    (:meth:`declare`, its ``ack``) has nothing in front of it but the JSON parse. The handler's own
    acknowledgement then finds it sent (:meth:`OnceResponse.adopt`): one first response either way."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot
        self._by_head: dict[str, list[tuple[re.Pattern[str], str]]] = {}
        self._sent: dict[int, tuple[asyncio.Future[bool], InteractionResponseType]] = {}
        #: the connections acknowledgements are written on as the click is read (None: sent as tasks through
        #: discord.py, as in ``bench interactions``' baseline); set at login
        self.wire: CallbackWire | None = None
        self.enabled = True  # False: every handler acknowledges on its own (``bench interactions``' baseline)

    def declare(self, template: re.Pattern[str], ack: str) -> None:
        """Components whose custom_id fully matches ``template`` acknowledge with ``ack`` (see :data:`ACK_KINDS`;
        anything else, e.g. "none" for a modal, is left to the handler)."""
        if ack in ACK_KINDS:
            head = template.pattern.split(":", 1)[0].replace("\\", "")
            self._by_head.setdefault(head, []).append((template, ack))

    def take(self, interaction_id: int) -> tuple[asyncio.Future[bool], InteractionResponseType] | None:
        return self._sent.pop(interaction_id, None)

    def on_raw(self, data: dict[str, Any]) -> bool:
        """An INTERACTION_CREATE, as parsed from the gateway: acknowledge it now when its component says how
        (True: its acknowledgement is under way)."""
        if data.get("type") != COMPONENT or not self.enabled:
            return False
        custom_id = str((data.get("data") or {}).get("custom_id") or "")
        ack = next((a for template, a in self._by_head.get(custom_id.split(":", 1)[0], ())
                    if template.fullmatch(custom_id)), None)
        if ack is None:
            return False
        kind, body = ACK_KINDS[ack]
        interaction_id, token = int(data["id"]), str(data["token"])
        loop = asyncio.get_running_loop()
        if self.wire is None:
            sent: asyncio.Future[bool] = loop.create_task(self._send(interaction_id, token, kind, body))
        else:  # written now; what the wire cannot settle, the handler acknowledges on its own path
            try:
                answer = self.wire.send(interaction_id, token,
                                        interaction_response_params(type=kind.value, data=body).payload or {})
            except Exception:  # never into discord.py's gateway: that would end the bot's connection
                log.exception("interaction %s: could not write its early acknowledgement", interaction_id)
                return False
            sent = loop.create_future()
            answer.add_done_callback(lambda done: self._settle(done, sent, interaction_id))
        self._sent[interaction_id] = (sent, kind)
        if len(self._sent) > 10_000:  # never adopted (no handler ran): forget the oldest
            self._sent.pop(next(iter(self._sent)))
        return True

    @staticmethod
    def _settle(answer: asyncio.Future[Answer], sent: asyncio.Future[bool], interaction_id: int) -> None:
        """The wire's answer. Not acknowledged (a lost answer, a 429, a 5xx, a refusal): the handler acknowledges
        on its own path, through discord.py, which retries, waits out rate limits and takes "already
        acknowledged" as applied (:func:`send_once`)."""
        got = answer.result()
        if not got.acknowledged:
            log.info("interaction %s: early acknowledgement %s (%s %s); the handler acknowledges it", interaction_id,
                     got.outcome.value, got.status or "-", got.detail)
        sent.set_result(got.acknowledged)

    async def _send(self, interaction_id: int, token: str, kind: InteractionResponseType,
                    body: dict[str, Any] | None) -> bool:
        http = self.bot.http
        session = getattr(self.bot, "interaction_session", None) or http._HTTPClient__session  # type: ignore[attr-defined]
        params = interaction_response_params(type=kind.value, data=body)

        async def send() -> Any:
            return await async_context.get().create_interaction_response(
                interaction_id, token, session=session, proxy=http.proxy, proxy_auth=http.proxy_auth, params=params)

        try:
            await send_once(interaction_id, kind, send)
        except Exception as exc:  # the handler answers (or fails) on its own path
            log.warning("interaction %s: early acknowledgement failed: %s", interaction_id, exc)
            return False
        return True


class AfterTheAcks:
    """discord.py's own handling of interactions acknowledged from the raw event (:class:`EarlyAcks`) — building
    the interaction, its message and view, running the checks, starting the handler — waits until the clicks
    stop arriving: until a whole pass of the event loop has gone by with no new one, and at most
    :data:`MAX_DEFER_S` after the oldest waiting.

    A burst of clicks reaches the bot over several reads of the gateway, and building each one's objects takes
    far longer than parsing and acknowledging it: built as each read is done, the last click's acknowledgement
    would wait for every earlier click's objects. Their work could not start before the burst is acknowledged
    anyway (:meth:`bot.ack_first.AckFirst.turn`). They are built in the order they arrived."""

    def __init__(self, parse: Callable[[dict[str, Any]], None], *, max_defer_s: float = MAX_DEFER_S) -> None:
        self._parse = parse
        self.max_defer_s = max_defer_s
        self._waiting: list[dict[str, Any]] = []
        self._seen = 0  # how many were waiting at the last look
        self._oldest = 0.0

    def defer(self, data: dict[str, Any]) -> None:
        self._waiting.append(data)
        if len(self._waiting) == 1:
            loop = asyncio.get_running_loop()
            self._oldest, self._seen = loop.time(), 0
            loop.call_soon(self._look)

    def _look(self) -> None:
        # a callback scheduled now runs after the next read of the gateway: if that read brought more clicks,
        # look again after the one after it
        loop = asyncio.get_running_loop()
        if len(self._waiting) != self._seen and loop.time() - self._oldest < self.max_defer_s:
            self._seen = len(self._waiting)
            loop.call_soon(self._look)
        else:
            self._build()

    def _build(self) -> None:
        waiting, self._waiting = self._waiting, []
        for data in waiting:
            try:
                self._parse(data)
            except Exception:  # as discord.py's gateway would: one bad event must not lose the others
                log.exception("could not handle interaction %s", data.get("id"))


def interaction_session(connections: int = INTERACTION_CONNECTIONS) -> aiohttp.ClientSession:
    """Connections for first responses only (see the module's docstring)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, limit_per_host=connections))


def response_settled(interaction: discord.Interaction[Any]) -> bool:
    """The interaction has had (or is having) its first response."""
    response = interaction.response
    return response.settled if isinstance(response, OnceResponse) else response.is_done()
