"""The wire that writes acknowledgements as clicks are read, against real HTTP servers on this machine that
answer as scripted: each answer it can be sure of is settled (applied, already acknowledged), everything else
is reported as lost or refused (so the handler acknowledges on its own path), and nothing waits forever."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

from cogs.kit.callback_wire import CallbackWire, Outcome

Script = Callable[[int], bytes | None]  # request number -> raw answer (None: close without answering; b"": never)


@dataclass
class Scripted:
    port: int = 0
    requests: list[tuple[str, bytes]] = field(default_factory=list)  # (request line, body)
    connections: int = 0
    most_at_once: int = 0
    open_now: int = 0


@asynccontextmanager
async def scripted_server(script: Script, *, split: bool = False) -> AsyncIterator[Scripted]:
    seen = Scripted()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        seen.open_now += 1
        seen.most_at_once = max(seen.most_at_once, seen.open_now)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                length = next(int(x.split(":")[1]) for x in lines if x.lower().startswith("content-length"))
                body = await reader.readexactly(length)
                seen.requests.append((lines[0], body))
                answer = script(len(seen.requests))
                if answer is None:
                    return
                if not answer:
                    await asyncio.sleep(3600)
                for piece in ([answer[i:i + 1] for i in range(len(answer))] if split else [answer]):
                    writer.write(piece)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            seen.open_now -= 1
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    seen.port = server.sockets[0].getsockname()[1]
    try:
        yield seen
    finally:
        server.close()


NO_CONTENT = b"HTTP/1.1 204 No Content\r\nDate: now\r\n\r\n"


def chunked(status: str, body: bytes) -> bytes:
    half = len(body) // 2
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
            + f"{half:x}\r\n".encode() + body[:half] + b"\r\n"
            + f"{len(body) - half:x};ext=1\r\n".encode() + body[half:] + b"\r\n0\r\n\r\n")


def sized(status: str, body: bytes, *extra: str) -> bytes:
    headers = "".join(f"{h}\r\n" for h in extra)
    return f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


def wire_to(server: Scripted, **kwargs: float) -> CallbackWire:
    return CallbackWire(f"http://127.0.0.1:{server.port}/api/v10", user_agent="MentorBot test", **kwargs)  # type: ignore[arg-type]


async def test_an_applied_acknowledgement_is_settled_and_its_connection_carries_the_next_one() -> None:
    async with scripted_server(lambda n: NO_CONTENT) as server:
        wire = wire_to(server, warm=1)
        await wire.start()
        first = await asyncio.wait_for(wire.send(11, "tok/en", {"type": 6}), 5)
        second = await asyncio.wait_for(wire.send(12, "other", {"type": 5, "data": {"flags": 64}}), 5)
        await wire.close()
    assert first.outcome is Outcome.APPLIED and second.outcome is Outcome.APPLIED
    assert server.connections == 1
    assert server.requests[0][0] == "POST /api/v10/interactions/11/tok%2Fen/callback HTTP/1.1"
    assert orjson.loads(server.requests[1][1]) == {"type": 5, "data": {"flags": 64}}


@pytest.mark.parametrize("split", [False, True], ids=["whole", "byte by byte"])
async def test_already_acknowledged_is_taken_as_applied_even_when_chunked_and_split(split: bool) -> None:
    refusal = orjson.dumps({"message": "Interaction has already been acknowledged.", "code": 40060})
    async with scripted_server(lambda n: chunked("400 Bad Request", refusal), split=split) as server:
        wire = wire_to(server)
        answer = await asyncio.wait_for(wire.send(1, "t", {"type": 6}), 5)
        again = await asyncio.wait_for(wire.send(2, "t", {"type": 6}), 5)
        await wire.close()
    assert answer.outcome is Outcome.ALREADY and answer.acknowledged
    assert again.outcome is Outcome.ALREADY
    assert server.connections == 1  # the chunked body was read to its end: the connection stayed usable


@pytest.mark.parametrize(("answer", "status"), [
    (sized("429 Too Many Requests", b'{"retry_after": 0.5, "global": false}', "Retry-After: 1"), 429),
    (sized("503 Service Unavailable", b"upstream connect error"), 503),
    (sized("404 Not Found", b'{"message": "Unknown interaction", "code": 10062}'), 404),
])
async def test_any_other_answer_is_refused_with_its_status(answer: bytes, status: int) -> None:
    async with scripted_server(lambda n: answer) as server:
        wire = wire_to(server)
        got = await asyncio.wait_for(wire.send(1, "t", {"type": 6}), 5)
        await wire.close()
    assert got.outcome is Outcome.REFUSED and not got.acknowledged
    assert got.status == status


async def test_a_connection_closed_before_its_answer_is_a_lost_answer_and_the_next_request_gets_a_new_one() -> None:
    async with scripted_server(lambda n: None if n == 1 else NO_CONTENT) as server:
        wire = wire_to(server)
        lost = await asyncio.wait_for(wire.send(1, "t", {"type": 6}), 5)
        applied = await asyncio.wait_for(wire.send(2, "t", {"type": 6}), 5)
        await wire.close()
    assert lost.outcome is Outcome.LOST and not lost.acknowledged
    assert applied.outcome is Outcome.APPLIED
    assert server.connections == 2


async def test_an_answer_that_never_comes_is_lost_after_the_timeout() -> None:
    async with scripted_server(lambda n: b"" if n == 1 else NO_CONTENT) as server:
        wire = wire_to(server, timeout_s=0.3)
        lost = await asyncio.wait_for(wire.send(1, "t", {"type": 6}), 5)
        applied = await asyncio.wait_for(wire.send(2, "t", {"type": 6}), 5)
        await wire.close()
    assert lost.outcome is Outcome.LOST and "no answer" in lost.detail
    assert applied.outcome is Outcome.APPLIED


async def test_a_burst_waits_for_free_connections_and_every_click_is_answered() -> None:
    async with scripted_server(lambda n: NO_CONTENT) as server:
        wire = wire_to(server, connections=3, warm=0)
        answers = await asyncio.wait_for(asyncio.gather(*(wire.send(i, "t", {"type": 6}) for i in range(40))), 10)
        await wire.close()
    assert [a.outcome for a in answers] == [Outcome.APPLIED] * 40
    assert len(server.requests) == 40
    assert server.most_at_once <= 3


async def test_nothing_waits_forever_when_discord_cannot_be_reached() -> None:
    async with scripted_server(lambda n: NO_CONTENT) as server:
        port = server.port
    wire = CallbackWire(f"http://127.0.0.1:{port}/api/v10", user_agent="t", warm=1, timeout_s=2)
    await wire.start()  # logged, not raised
    answers = await asyncio.wait_for(asyncio.gather(*(wire.send(i, "t", {"type": 6}) for i in range(3))), 10)
    await wire.close()
    assert {a.outcome for a in answers} == {Outcome.LOST}


async def test_closing_the_bot_lets_no_acknowledgement_wait() -> None:
    async with scripted_server(lambda n: b"") as server:
        wire = wire_to(server, connections=1)
        first, second = wire.send(1, "t", {"type": 6}), wire.send(2, "t", {"type": 6})
        await asyncio.sleep(0.2)
        await wire.close()
        got = await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert [a.outcome for a in got] == [Outcome.LOST, Outcome.LOST]


def test_the_wire_works_on_the_bots_own_event_loop() -> None:
    """Bot processes run on uvloop (:mod:`bot.event_loop`), whose transports are not asyncio's classes."""
    from bot import event_loop

    async def click() -> Outcome:
        async with scripted_server(lambda n: NO_CONTENT) as server:
            wire = wire_to(server, warm=2)
            await wire.start()
            answer = await asyncio.wait_for(wire.send(1, "t", {"type": 6}), 5)
            await wire.close()
            return answer.outcome

    assert event_loop.chosen() == "uvloop"
    assert event_loop.run(click()) is Outcome.APPLIED


async def test_a_connection_idle_too_long_is_not_trusted_with_a_click() -> None:
    async with scripted_server(lambda n: NO_CONTENT) as server:
        wire = wire_to(server, warm=1, idle_s=0.05)
        await wire.start()
        await asyncio.sleep(0.2)  # the warm connection has been idle too long
        answer = await asyncio.wait_for(wire.send(1, "t", {"type": 6}), 5)
        await wire.close()
    assert answer.outcome is Outcome.APPLIED
    assert server.connections == 2  # a fresh connection carried it


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (key, certificate)."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return key, cert


async def test_the_wire_speaks_https_as_discord_serves_it(certificate: tuple[Path, Path]) -> None:
    key, cert = certificate
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(NO_CONTENT)
        await writer.drain()
        await reader.read()  # until the client closes
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=serving)
    port = server.sockets[0].getsockname()[1]
    try:
        wire = CallbackWire(f"https://localhost:{port}/api/v10", user_agent="t", tls=ssl.create_default_context(
            cafile=str(cert)))
        answer = await asyncio.wait_for(wire.send(1, "t", {"type": 6}), 10)
        await wire.close()
        strict = CallbackWire(f"https://localhost:{port}/api/v10", user_agent="t")  # the system's authorities only
        refused = await asyncio.wait_for(strict.send(2, "t", {"type": 6}), 10)
        await strict.close()
    finally:
        server.close()
    assert answer.outcome is Outcome.APPLIED
    assert seen[0].startswith(b"POST /api/v10/interactions/1/t/callback HTTP/1.1\r\nHost: localhost:")
    assert refused.outcome is Outcome.LOST  # an unverifiable certificate: nothing is sent
    assert len(seen) == 1
