"""The demo's chart counts people at every funnel stage, the same numbers /programme stats gives."""

from __future__ import annotations

import pytest

from bot.demo.report import funnel_and_weekly
from bot.sandbox.world import SandboxWorld
from tests.support.cohort import onboard_cohort

pytestmark = pytest.mark.e2e


async def test_the_demo_funnel_counts_people_like_the_stats_command(world: SandboxWorld) -> None:
    await onboard_cohort(world, n_mentors=1, n_mentees=1)
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    programme = world.bot.services.programmes.all()[0]
    from_service = await world.bot.services.stats.funnel(programme)
    funnel, _ = await funnel_and_weekly(world)
    assert (funnel.matched, funnel.met, funnel.active) == (2, 0, 2)  # two people in one pair, not "1"
    assert (from_service.matched, from_service.active) == (funnel.matched, funnel.active)
