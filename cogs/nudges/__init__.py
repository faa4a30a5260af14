"""Nudges and check-ins: the dispatch job, persistent answer buttons, follow-ups and the weekly digest.

Helpers for other features (the matching cog, /pause, /leave, /programme stats) — all take the bot:
``plan_match``, ``replan_match``, ``replan_programme``, ``cancel_for_match``, ``cancel_for_person``,
``pairs_at_risk`` and ``nudge_service``.
"""

from __future__ import annotations

from bot.app import MentorBot
from bot.services.nudges import NudgeService, PairAtRisk
from bot.services.programmes import Programme
from cogs.nudges._cog import JOB_NAME, Nudges
from cogs.nudges._views import DYNAMIC_ITEMS, service_of

__all__ = [
    "JOB_NAME",
    "cancel_for_match",
    "cancel_for_person",
    "nudge_service",
    "pairs_at_risk",
    "plan_match",
    "replan_match",
    "replan_programme",
    "setup",
]


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Nudges(bot))


def nudge_service(bot: MentorBot) -> NudgeService:
    """The running bot's NudgeService (RuntimeError when the cog is not loaded)."""
    return service_of(bot)


async def plan_match(bot: MentorBot, match_id: int) -> int:
    """Write a newly confirmed match's nudges; call right after its introduction is posted."""
    return await service_of(bot).plan_match(match_id)


async def replan_match(bot: MentorBot, match_id: int) -> tuple[int, int]:
    """E.g. after a person of the match resumes from a pause: (cancelled, added)."""
    return await service_of(bot).replan_match(match_id)


async def replan_programme(bot: MentorBot, programme: Programme) -> tuple[int, int]:
    """After organisers edit the plan or quiet hours: future nudges only."""
    return await service_of(bot).replan_programme(programme)


async def cancel_for_match(bot: MentorBot, match_id: int) -> int:
    return await service_of(bot).cancel_for_match(match_id)


async def cancel_for_person(bot: MentorBot, person_id: int) -> int:
    return await service_of(bot).cancel_for_person(person_id)


async def pairs_at_risk(bot: MentorBot, programme: Programme) -> list[PairAtRisk]:
    return await service_of(bot).risk.pairs_at_risk(programme)
