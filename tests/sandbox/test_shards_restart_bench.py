from __future__ import annotations

import json
from typing import Any

import discord
from discord.ext import commands

from bot.sandbox.bench import bench_sandbox
from bot.sandbox.connect import sandbox_bot_kwargs
from bot.sandbox.discord import Guild, RequestLog, SandboxDiscord
from bot.sandbox.discord.runner import BotRunner
from tests.support.minibot import MiniBot


class ShardedBot(commands.AutoShardedBot):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(command_prefix="!", intents=intents, **sandbox_bot_kwargs())
        self.joins: list[tuple[int, int | None]] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # Discord's 5 s identify spacing, skipped to keep the test fast

    async def on_member_join(self, member: discord.Member) -> None:
        self.joins.append((member.id, member.guild.shard_id))


async def test_auto_sharded_bot_connects_two_shards_and_gets_every_guild(sandbox: SandboxDiscord, log: RequestLog) -> None:
    sandbox.recommended_shards = 2
    guilds = [sandbox.create_guild(f"Cohort {i}") for i in range(6)]
    runner = BotRunner(sandbox, ShardedBot)
    bot = await runner.start()
    try:
        assert bot.shard_count == 2 and set(bot.shards) == {0, 1}
        assert {g.id for g in bot.guilds} == {g.id for g in guilds}
        ready = [e for e in log.gateway if e.type == "READY"]
        assert sorted(e.data["shard"][0] for e in ready) == [0, 1]
        assert log.requests("GET", "/gateway/bot")
        for guild in guilds[:2]:
            await sandbox.person(f"P{guild.id}").join(guild)
        await sandbox.state.wait_for(lambda: len(bot.joins) == 2, timeout=5)
        assert {shard for _, shard in bot.joins} <= {0, 1}
    finally:
        await runner.stop()


async def test_bot_restarted_mid_onboarding_still_handles_the_click(
    runner: BotRunner[MiniBot], sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    amara = sandbox.person("Amara")
    await amara.join(guild)
    await amara.next_dm()
    await runner.restart(crash=True)
    assert runner.starts == 2
    reply = await amara.click("Mentee")
    assert reply.content == "You chose mentee. Which phases?"
    assert runner.bot is not None and ("role", amara.id, "mentee") in runner.bot.seen
    assert [e.type for e in log.gateway].count("IDENTIFY") == 2


async def test_log_exports_requests_and_events_in_the_report_format(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    await sandbox.person("Amara").join(guild)
    await sandbox.people["Amara"].next_dm()
    exported: dict[str, Any] = json.loads(json.dumps(log.export()))
    dm = next(r for r in exported["requests"] if r["method"] == "POST" and r["path"].endswith("/messages"))
    assert set(dm) == {"t", "method", "path", "json", "status", "response"}
    assert dm["status"] == 200 and dm["json"]["content"].startswith("Welcome")
    join = next(e for e in exported["events"] if e["type"] == "GUILD_MEMBER_ADD")
    assert join["user_id"] == str(sandbox.people["Amara"].id) and set(join) == {"t", "type", "user_id"}
    assert sum(1 for _ in log.export_jsonl()) == len(exported["requests"]) + len(exported["events"])


async def test_bench_reports_requests_per_second() -> None:
    result = await bench_sandbox(requests=200, concurrency=10)
    assert result["errors"] == 0 and result["requests"] == 200
    assert result["requests_per_second"] > 50
