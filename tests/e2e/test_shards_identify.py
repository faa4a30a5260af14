"""The bot's shards never IDENTIFY at once: Discord allows one IDENTIFY per 5 s and ends sessions that come
faster. Against the local Discord (which does not limit them) the spacing is a tenth of that."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.connect import SANDBOX_IDENTIFY_SPACING_S
from bot.sandbox.world import SandboxWorld, world_limits
from tests.support.database import migrated_sqlite_file
from tests.support.world import TEST_WINDOW_SCALE


async def test_a_two_shard_bot_identifies_its_second_shard_only_after_the_spacing(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    url = f"sqlite+aiosqlite:///{await migrated_sqlite_file(tmp_path_factory, 'e2e', 'bot.db')}"
    world = SandboxWorld(database_url=url, limits=world_limits(window_scale=TEST_WINDOW_SCALE))
    world.discord.recommended_shards = 2  # the bot asks GET /gateway/bot how many shards to run
    try:
        await world.start()
        assert set(world.bot.shards) == {0, 1}, "the bot runs the two shards the local Discord recommends"
        identified = [e.t for e in world.discord.log.gateway if e.type == "IDENTIFY"]
        assert len(identified) == 2, identified
        assert identified[1] - identified[0] >= timedelta(seconds=SANDBOX_IDENTIFY_SPACING_S), identified
    finally:
        await world.stop()
