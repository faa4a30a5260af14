"""Benchmark: posts/s through XSource pages against the local X (``python -m bot bench intake``)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from bot.clock import SandboxClock
from bot.intake.x_source import RetryPolicy, XSource, build_query


async def bench_x_ingest(posts: int = 10_000, *, authors: int | None = None) -> dict[str, Any]:
    """Ingest ``posts`` hashtag posts (newest first, 100 per page) through tweepy's AsyncClient and
    :class:`XSource` from a local :class:`~bot.sandbox.x.SandboxX`.

    ``http_seconds`` is the time inside tweepy's ``AsyncClient.request`` (send, the local server's work,
    reading the body); ``server_seconds`` is the part of it spent in the server's handler (same process and
    event loop); ``own_seconds`` is the rest: JSON → tweepy objects → Posts, cursors, the page loop."""
    from bot.sandbox.x import SandboxX, connect_async_client  # the sandbox is only needed here

    clock = SandboxClock()
    sandbox = SandboxX(clock, search_limit=1_000_000)
    await sandbox.start()
    try:
        n_authors = authors or max(posts // 5, 1)
        t0 = time.perf_counter()
        start = clock.now() - timedelta(days=1)
        step = timedelta(days=1) / max(posts, 1)
        for i in range(posts):
            sandbox.add_post(
                f"Looking for a mentor, post {i} #EduMentoring", f"person{i % n_authors}", created_at=start + i * step
            )
        setup = time.perf_counter() - t0

        from tweepy.asynchronous import AsyncClient

        client = AsyncClient(**sandbox.credentials)
        session = connect_async_client(client, sandbox.base_url)
        http = 0.0
        real_request = client.request

        async def timed_request(*args: Any, **kwargs: Any) -> Any:
            nonlocal http
            began = time.perf_counter()
            try:
                return await real_request(*args, **kwargs)
            finally:
                http += time.perf_counter() - began

        client.request = timed_request
        source = XSource(
            client,
            bot_user_id=sandbox.bot_account.id,
            bot_handle=sandbox.bot_account.username,
            clock=clock,
            retry=RetryPolicy(tries=1),
        )
        got = 0
        leads: set[str] = set()
        pages = 0
        sandbox.handler_seconds = 0.0
        t1 = time.perf_counter()
        run = source.pages(build_query(["EduMentoring"]), None)
        async for page in run:
            pages += 1
            got += len(page.posts)
            leads.update(p.author_id for p in page.posts if p.is_lead)
        total = time.perf_counter() - t1
        await session.close()
    finally:
        await sandbox.stop()
    own = total - http
    return {
        "posts": got,
        "pages": pages,
        "complete": run.complete,
        "distinct_leads": len(leads),
        "seconds": round(total, 4),
        "posts_per_s": round(got / total, 1) if total else None,
        "http_seconds": round(http, 4),
        "http_share": round(http / total, 3) if total else None,
        "server_seconds": round(sandbox.handler_seconds, 4),
        "own_seconds": round(own, 4),
        "own_share": round(own / total, 3) if total else None,
        "setup_seconds": round(setup, 4),
    }
