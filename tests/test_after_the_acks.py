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
