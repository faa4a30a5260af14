from __future__ import annotations

from bot.sandbox.discord import Guild, RequestLog, SandboxDiscord
from tests.support.minibot import MiniBot


async def test_bot_logs_in_and_sees_the_guild_with_its_members_and_roles(
    bot: MiniBot, sandbox: SandboxDiscord, guild: Guild, log: RequestLog
) -> None:
    assert bot.user is not None and bot.user.id == sandbox.bot_user.id
    cached = bot.get_guild(guild.id)
    assert cached is not None
    assert {r.name for r in cached.roles} >= {"@everyone", "Organisers", "MentorBot"}
    assert cached.me is not None and cached.chunked
    assert [r.path for r in log.requests("GET")][:2] == ["/users/@me", "/oauth2/applications/@me"]
    assert [e.type for e in log.events()][:3] == ["HELLO", "READY", "GUILD_CREATE"]


async def test_tree_sync_registers_the_bots_commands_globally(bot: MiniBot, sandbox: SandboxDiscord, log: RequestLog) -> None:
    names = {c.name for c in sandbox.state.commands.values() if c.guild_id is None}
    assert names == {"admin", "match", "ping", "slow", "goals", "progress", "report"}
    put = log.requests("PUT", f"/applications/{sandbox.application_id}/commands")
    assert put and put[0].status == 200


async def test_guild_sync_overwrites_only_that_guilds_commands(bot: MiniBot, sandbox: SandboxDiscord, guild: Guild) -> None:
    import discord

    target = discord.Object(guild.id)
    bot.tree.copy_global_to(guild=target)
    synced = await bot.tree.sync(guild=target)
    assert {c.name for c in synced} == {"admin", "match", "ping", "slow", "goals", "progress", "report"}
    assert all(c.guild_id == guild.id for c in synced)
    bot.tree.clear_commands(guild=target)
    assert await bot.tree.sync(guild=target) == []
    assert {c.guild_id for c in sandbox.state.commands.values()} == {None}
