"""The event loop a bot process runs on: uvloop where it is installed (Linux and macOS), asyncio's own
otherwise, or when ``MENTORBOT_EVENT_LOOP=asyncio`` asks for it.

A bot process is one event loop doing many small things — gateway events read, JSON parsed, interactions
acknowledged, database results handled — and the loop's own overhead is a large share of each. uvloop (libuv,
the loop Node.js runs on) does the same work for less CPU, so under a burst of a thousand clicks each waits
behind less. JSON goes through orjson for the same reason (discord.py uses it when it is installed). Tests
that run the bot inside the test process keep pytest's loop; bot processes (``python -m bot run``, the
sandbox's bot processes the reliability tests and ``bench interactions`` start) use this one.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
CHOICES = ("uvloop", "asyncio")
ENV = "MENTORBOT_EVENT_LOOP"


def chosen() -> str:
    """The loop this process will run: ``uvloop`` when it is installed (unless ``MENTORBOT_EVENT_LOOP``
    says ``asyncio``), else ``asyncio``. An unknown value is refused, naming the variable."""
    wanted = os.environ.get(ENV, "").strip().lower() or "uvloop"
    if wanted not in CHOICES:
        raise ValueError(f"{ENV}={wanted!r}: expected one of {', '.join(CHOICES)}")
    if wanted == "uvloop":
        try:
            import uvloop  # noqa: F401
        except ImportError:
            return "asyncio"
    return wanted


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on :func:`chosen`'s loop (like :func:`asyncio.run`)."""
    if chosen() == "uvloop":
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)


def describe() -> str:
    """One line for the start-up log: which loop, and whether JSON is parsed by orjson."""
    try:
        import orjson  # noqa: F401
        json_lib = "orjson"
    except ImportError:
        json_lib = "json"
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    return f"event loop: {loop}; JSON: {json_lib}"
