"""Fixtures: a local Discord, a guild with an organisers role, and a real discord.py bot connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.sandbox.connect import restore_discord_defaults
from bot.sandbox.discord import Guild, Limits, RequestLog, Role, SandboxDiscord
from bot.sandbox.discord import permissions as perm
from bot.sandbox.discord.runner import BotRunner
from tests.support.minibot import MiniBot


@pytest.fixture
def limits() -> Limits:
    """Discord's limits; override in a test module to tighten them."""
    return Limits()


@pytest.fixture
async def sandbox(limits: Limits) -> AsyncIterator[SandboxDiscord]:
    sb = SandboxDiscord(limits=limits)
    await sb.start()
    try:
        yield sb
    finally:
        await sb.stop()
        restore_discord_defaults()


@pytest.fixture
def guild(sandbox: SandboxDiscord) -> Guild:
    return sandbox.create_guild("EduMentoring")


@pytest.fixture
def organisers(sandbox: SandboxDiscord, guild: Guild) -> Role:
    return sandbox.create_role(guild, "Organisers", permissions=perm.MANAGE_GUILD)


@pytest.fixture
def bot_factory() -> Callable[[], MiniBot]:
    return MiniBot


@pytest.fixture
async def runner(
    sandbox: SandboxDiscord, guild: Guild, organisers: Role, bot_factory: Callable[[], MiniBot]
) -> AsyncIterator[BotRunner[MiniBot]]:
    r = BotRunner(sandbox, bot_factory)
    await r.start()
    try:
        yield r
    finally:
        await r.stop()


@pytest.fixture
def bot(runner: BotRunner[MiniBot]) -> MiniBot:
    assert runner.bot is not None
    return runner.bot


@pytest.fixture
def log(sandbox: SandboxDiscord) -> RequestLog:
    return sandbox.log
