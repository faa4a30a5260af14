from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import discord
import pytest
from discord.http import Route

from bot.sandbox.discord import Guild, Limits, RequestLog, RouteLimit, SandboxDiscord
from tests.support.minibot import MiniBot


async def test_dm_to_a_person_with_closed_dms_is_refused_with_50007(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    dara = sandbox.person("Dara", behaviours=["dms_closed"])
    await dara.join(guild)
    await sandbox.state.wait_for(lambda: bot.errors, timeout=3)
    err = bot.errors[0]
    assert isinstance(err, discord.Forbidden) and err.code == 50007
    refused = log.requests("POST", "/messages", status=403)
    assert refused[0].response == {"code": 50007, "message": "Cannot send messages to this user"}
    assert dara.dms() == []
    assert log.invalid_requests() == 1


async def test_429_with_retry_after_is_waited_out_and_the_message_lands(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    channel = bot.get_channel(sandbox.channel_named(guild, "general").id)  # type: ignore[union-attr]
    assert isinstance(channel, discord.TextChannel)
    sandbox.faults.rate_limit_next(retry_after=0.3, method="POST", path_contains="/messages")
    started = time.monotonic()
    msg = await channel.send("hello after a rate limit")
    assert time.monotonic() - started >= 0.3
    statuses = [r.status for r in log.requests("POST", f"/channels/{channel.id}/messages")]
    assert statuses == [429, 200]
    limited = log.requests(status=429)[0].response
    assert limited["retry_after"] == 0.3 and limited["global"] is False
    assert sandbox.state.messages[msg.id].content == "hello after a rate limit"


async def test_5xx_is_retried_by_discord_py(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog) -> None:
    channel = bot.get_channel(sandbox.channel_named(guild, "general").id)  # type: ignore[union-attr]
    assert isinstance(channel, discord.TextChannel)
    sandbox.faults.fail_next(502, method="POST", path_contains="/messages")
    await channel.send("survives a bad gateway")
    assert [r.status for r in log.requests("POST", "/messages")] == [502, 200]


async def test_a_500_after_the_message_was_made_is_retried_by_discord_py_and_leaves_one_message(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    channel = bot.get_channel(sandbox.channel_named(guild, "general").id)  # type: ignore[union-attr]
    assert isinstance(channel, discord.TextChannel)
    sandbox.faults.lose_response_next("status", status=500, method="POST", path_contains="/messages")
    msg = await channel.send("made once although the first answer was a 500")
    posts = log.requests("POST", "/messages")  # the log holds what was done (the 500 replaced the first answer)
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"]  # discord.py retried, same nonce
    assert posts[0].response["id"] == posts[1].response["id"] == str(msg.id)
    made = [m for m in sandbox.state.messages.values() if m.channel_id == channel.id and "made once" in m.content]
    assert [m.id for m in made] == [msg.id]


async def test_a_nonce_seen_in_the_past_few_minutes_returns_the_message_made_with_it(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild
) -> None:
    cid = sandbox.channel_named(guild, "general").id  # type: ignore[union-attr]
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=cid)
    first = await bot.http.request(route, json={"content": "hi", "nonce": "n-7", "enforce_nonce": True})
    again = await bot.http.request(route, json={"content": "hi", "nonce": "n-7", "enforce_nonce": True})
    assert again["id"] == first["id"] and again["nonce"] == "n-7"
    unenforced = await bot.http.request(route, json={"content": "hi", "nonce": "n-7"})
    assert unenforced["id"] != first["id"]  # without enforce_nonce a nonce is only echoed back
    sandbox.state.clock.advance(timedelta(minutes=6))  # type: ignore[attr-defined]
    later = await bot.http.request(route, json={"content": "hi", "nonce": "n-7", "enforce_nonce": True})
    assert later["id"] not in (first["id"], unenforced["id"])
    assert sum(1 for m in sandbox.state.messages.values() if m.channel_id == cid and m.content == "hi") == 3


async def test_slow_response_still_completes(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    sandbox.faults.slow_next(0.2, path_contains="/members/")
    started = time.monotonic()
    member = await bot.get_guild(guild.id).fetch_member(sandbox.bot_user.id)  # type: ignore[union-attr]
    assert member.id == sandbox.bot_user.id and time.monotonic() - started >= 0.2


@pytest.mark.breaks_discord_spec
async def test_message_limits_are_enforced(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    cid = sandbox.channel_named(guild, "general").id  # type: ignore[union-attr]
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=cid)
    too_long = {"content": "x" * 2001}
    select = {"type": 3, "custom_id": "s", "options": [{"label": str(i), "value": str(i)} for i in range(26)]}
    rows = {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"b{i}"}]}
                           for i in range(6)]}
    long_id = {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "c" * 101}]}]}
    for body in (too_long, {"components": [{"type": 1, "components": [select]}]}, rows, long_id):
        with pytest.raises(discord.HTTPException) as exc:
            await bot.http.request(route, json=body)
        assert exc.value.status == 400 and exc.value.code == 50035
    ok = await bot.http.request(route, json={"content": "x" * 2000})
    assert len(ok["content"]) == 2000


@pytest.fixture
def limits() -> Limits:
    lim = Limits()
    lim.routes["POST /channels/{channel_id}/messages"] = RouteLimit(2, 0.5)
    return lim


async def test_route_bucket_headers_make_discord_py_pace_itself(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    channel = bot.get_channel(sandbox.channel_named(guild, "general").id)  # type: ignore[union-attr]
    assert isinstance(channel, discord.TextChannel)
    started = time.monotonic()
    for i in range(5):
        await channel.send(f"message {i}")
    assert time.monotonic() - started >= 0.9  # 5 messages at 2 per 0.5 s
    sent = log.requests("POST", "/messages")
    assert sum(r.status == 200 for r in sent) == 5
    assert all(r.status in (200, 429) for r in sent)


async def test_global_rate_limit_answers_429_with_global_flag(sandbox: SandboxDiscord, guild: Guild) -> None:
    import aiohttp

    sandbox.limits.global_per_second = 5
    headers = {"Authorization": f"Bot {sandbox.token}"}
    async with aiohttp.ClientSession() as session:
        replies = []
        for _ in range(7):
            async with session.get(f"{sandbox.base_url}/users/@me", headers=headers) as resp:
                replies.append((resp.status, resp.headers.get("X-RateLimit-Scope"), await resp.json()))
    assert [s for s, _, _ in replies[:5]] == [200] * 5
    status, scope, body = replies[5]
    assert status == 429 and scope == "global" and body["global"] is True and body["retry_after"] > 0
    assert resp.headers["Content-Type"] == "application/json"


async def test_dropped_gateway_connection_resumes_and_events_keep_flowing(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    assert await sandbox.drop_gateway() == 1
    amara = sandbox.person("Amara")
    await amara.join(guild)  # happens while the bot is reconnecting: must be replayed
    await asyncio.wait_for(resumed.wait(), timeout=10)
    assert (await amara.next_dm(timeout=5)).content.startswith("Welcome Amara")
    kinds = [e.type for e in log.gateway]
    assert "RESUME" in kinds and "RESUMED" in kinds
    assert kinds.count("IDENTIFY") == 1


async def test_op7_reconnect_makes_the_client_resume(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog) -> None:
    await sandbox.request_reconnect()
    await sandbox.state.wait_for(lambda: any(e.type == "RESUMED" for e in log.gateway), timeout=10)
    result = await sandbox.person("Ben").join(guild)
    assert result.user_id == sandbox.people["Ben"].id
    assert (await sandbox.people["Ben"].next_dm(timeout=5)).content.startswith("Welcome Ben")
