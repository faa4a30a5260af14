"""A bot process runs on uvloop (less CPU per gateway event and request) unless told otherwise; a wrong choice
stops it with the variable's name."""

from __future__ import annotations

import asyncio

import pytest

from bot import event_loop


def test_a_bot_process_runs_on_uvloop_unless_asyncio_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(event_loop.ENV, raising=False)
    assert event_loop.chosen() == "uvloop"

    async def which() -> str:
        return event_loop.describe()

    assert event_loop.run(which()) == "event loop: uvloop; JSON: orjson"
    monkeypatch.setenv(event_loop.ENV, "asyncio")
    assert event_loop.chosen() == "asyncio"
    assert event_loop.run(which()) == "event loop: asyncio; JSON: orjson"
    assert isinstance(asyncio.new_event_loop(), asyncio.AbstractEventLoop)


def test_an_unknown_event_loop_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(event_loop.ENV, "trio")
    with pytest.raises(ValueError, match="MENTORBOT_EVENT_LOOP='trio'"):
        event_loop.chosen()


def test_the_local_discord_and_x_serve_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    """`bench interactions` runs the local stand-ins on the bot's loop: they start, answer and stop on uvloop."""
    monkeypatch.delenv(event_loop.ENV, raising=False)
    import aiohttp

    from bot.sandbox.serve import SandboxServer

    async def serve() -> int:
        server = await SandboxServer().start()
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{server.discord.port}/api/v10/gateway") as r:
                    return r.status
        finally:
            await server.stop()

    assert event_loop.run(serve()) == 200
