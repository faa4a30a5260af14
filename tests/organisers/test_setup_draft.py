"""What ``/programme setup`` writes: settings that win over the config file, and the nudge plans."""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import SandboxClock
from bot.config import parse_config
from bot.services.organisers import NUDGE_PLANS, OrganiserService, SetupDraft, nudge_plan, plan_name
from bot.services.programmes import ProgrammeRegistry
from storage.db import SessionFactory

pytestmark = pytest.mark.e2e


def test_each_named_plan_is_recognised_again() -> None:
    for name in NUDGE_PLANS:
        assert plan_name(nudge_plan(name)) == name
    assert nudge_plan("off").steps == []
    with pytest.raises(ValueError, match="unknown nudge plan"):
        nudge_plan("daily")


def test_a_draft_only_changes_what_was_chosen() -> None:
    draft = SetupDraft(onboarding_channel="123", hashtags=["Edu"], cohort_start=date(2026, 9, 1))
    assert draft.changes() == {"onboarding_channel": "123", "intake": {"hashtags": ["Edu"]},
                               "cohort_start": "2026-09-01"}


async def test_setup_creates_then_edits_a_programme_and_a_restart_keeps_it(sessions: SessionFactory) -> None:
    settings = parse_config({"programme": [{"key": "edu", "name": "Edu", "guild_id": 1}],
                             "bot": {"programme_guilds": [{"guild_id": 2}, {"guild_id": 3}]}})
    registry = ProgrammeRegistry(settings, sessions)
    await registry.load()
    service = OrganiserService(registry, sessions, SandboxClock())
    created = await service.apply_setup(2, SetupDraft(key="libs", name="Libraries", preset="libraries",
                                                      nudge_plan="light"), existing=None, actor=5)
    assert created.guild_id == 2 and created.config.questions.preset == "libraries"
    with pytest.raises(ValueError, match="already used"):
        await service.apply_setup(3, SetupDraft(key="edu", name="Again"), existing=None, actor=5)
    edu = registry.get("edu")
    assert edu is not None
    await service.apply_setup(1, SetupDraft(organiser_role="Mentor team", nudge_plan="off"), existing=edu, actor=5)
    with pytest.raises(ValueError):
        await service.apply_setup(1, SetupDraft(cohort_start=date(2027, 1, 1), cohort_end=date(2026, 1, 1)),
                                  existing=edu, actor=5)
    reloaded = ProgrammeRegistry(settings, sessions)
    await reloaded.load()
    edu2, libs = reloaded.get("edu"), reloaded.get("libs")
    assert edu2 is not None and edu2.config.organiser_role == "Mentor team" and edu2.config.nudges.steps == []
    assert edu2.config.cohort_start is None
    assert libs is not None and [s.key for s in libs.config.nudges.steps] == ["day3-met", "monthly-checkin"]
    page = await service.audit_page(edu2, 0)
    assert [e.action for e in page.events] == ["programme.setup"] and page.events[0].actor_discord_id == 5
