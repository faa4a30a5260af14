"""A burst of clicks read from the gateway in one go: every acknowledgement is on its way before discord.py
builds any click's objects (the slow part), and every click is still handled, in the order it arrived."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from cogs.kit.first_response import AfterTheAcks


async def test_every_acknowledgement_of_a_burst_starts_before_any_click_is_built() -> None:
    order: list[str] = []

    async def acknowledge(i: int) -> None:
        order.append(f"ack {i}")
        await asyncio.sleep(0.01)  # the answer comes back later

    after = AfterTheAcks(lambda data: order.append(f"build {data['id']}"))
    tasks = []
    for i in range(50):  # as discord.py reads them: one after another, without letting any task run
        tasks.append(asyncio.get_running_loop().create_task(acknowledge(i)))
        after.defer({"id": i})
    await asyncio.gather(*tasks)
    acks = [n for n, step in enumerate(order) if step.startswith("ack")]
    builds = [step for step in order if step.startswith("build")]
    assert max(acks) < order.index("build 0"), order[:60]
    assert builds == [f"build {i}" for i in range(50)]


async def test_a_click_that_cannot_be_built_does_not_lose_the_others(caplog: pytest.LogCaptureFixture) -> None:
    built: list[Any] = []

    def build(data: dict[str, Any]) -> None:
        if data["id"] == 2:
            raise KeyError("message")
        built.append(data["id"])

    after = AfterTheAcks(build)
    with caplog.at_level(logging.ERROR):
        for i in range(4):
            after.defer({"id": i})
        await asyncio.sleep(0.01)
        after.defer({"id": 4})  # a later burst is built too
        await asyncio.sleep(0.01)
    assert built == [0, 1, 3, 4]
    assert "could not handle interaction 2" in caplog.text


async def test_clicks_read_over_several_passes_are_built_once_they_stop_arriving() -> None:
    order: list[str] = []
    after = AfterTheAcks(lambda data: order.append(f"build {data['id']}"), max_defer_s=10)
    for i in range(30):  # a burst that reaches the bot over thirty reads of the gateway
        order.append(f"read {i}")
        after.defer({"id": i})
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    assert order.index("build 0") > order.index("read 29"), order
    assert [s for s in order if s.startswith("build")] == [f"build {i}" for i in range(30)]


async def test_a_stream_of_clicks_that_never_pauses_is_still_built_as_it_goes() -> None:
    built: list[int] = []
    loop = asyncio.get_running_loop()
    fed = 0
    fed_at_first_build: list[int] = []

    def build(data: dict[str, Any]) -> None:
        fed_at_first_build.append(fed)
        built.append(data["id"])

    after = AfterTheAcks(build, max_defer_s=0.02)
    stopped = loop.create_future()

    def read_one_more() -> None:  # every pass of the event loop reads another click
        nonlocal fed
        if built or fed >= 200_000:
            stopped.set_result(None)
            return
        after.defer({"id": fed})
        fed += 1
        loop.call_soon(read_one_more)

    loop.call_soon(read_one_more)
    await stopped
    assert built and fed_at_first_build[0] < 200_000, "nothing was built while the clicks kept coming"
    assert built == list(range(len(built)))
