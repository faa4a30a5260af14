"""How many REST requests per second the local Discord serves on this machine (rate limiter off)."""

from __future__ import annotations

import asyncio
import statistics
import time

import aiohttp

from bot.sandbox.discord import Limits, SandboxDiscord


async def bench_sandbox(requests: int = 2000, concurrency: int = 20) -> dict[str, float]:
    """Serve ``requests`` REST calls (half message creates, half channel reads) from ``concurrency``
    clients over loopback; return throughput and latency percentiles."""
    if requests < 1 or concurrency < 1:
        raise ValueError("requests and concurrency must be positive")
    sandbox = SandboxDiscord(limits=Limits.relaxed())
    await sandbox.start()
    guild = sandbox.create_guild("Bench")
    channel = sandbox.create_text_channel(guild, "bench")
    headers = {"Authorization": f"Bot {sandbox.token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    failures = 0
    counter = iter(range(requests))

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for i in counter:
            started = time.perf_counter()
            if i % 2:
                call = session.get(f"{sandbox.base_url}/channels/{channel.id}", headers=headers)
            else:
                call = session.post(f"{sandbox.base_url}/channels/{channel.id}/messages", headers=headers,
                                    data=f'{{"content": "bench {i}"}}')
            async with call as resp:
                await resp.read()
                if resp.status >= 300:
                    failures += 1
            latencies.append(time.perf_counter() - started)

    try:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            started = time.perf_counter()
            await asyncio.gather(*(worker(session) for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
    finally:
        await sandbox.stop()
    ordered = sorted(latencies)
    return {
        "requests": float(requests),
        "concurrency": float(concurrency),
        "seconds": elapsed,
        "requests_per_second": requests / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "errors": float(failures),
    }
