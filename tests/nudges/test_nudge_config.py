"""The nudge settings load from config with clear errors, and templates render safely."""

from __future__ import annotations

from datetime import UTC, time
from typing import Any

import pytest
from pydantic import ValidationError

from bot.nudges.config import (
    NudgePlanConfig,
    NudgesConfig,
    NudgeStep,
    PacingConfig,
    QuietHoursConfig,
)
from bot.nudges.templates import TemplateError, check_template, render_template


def errors_of(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as info:
        NudgesConfig.model_validate(data)
    return [(tuple(e["loc"]), e["msg"]) for e in info.value.errors()]


def test_defaults_match_the_issue() -> None:
    cfg = NudgesConfig()
    assert (cfg.quiet_hours.start, cfg.quiet_hours.end) == (time(20, 0), time(8, 0))
    assert cfg.quiet_hours.excluded_weekdays == []
    assert cfg.pacing.messages_per_second + cfg.pacing.burst < 50
    assert cfg.onboarding_reminders.after_hours == [24, 72]
    steps = {s.key: s for s in cfg.plan.steps}
    assert steps["day3-met"].day == 3 and steps["day3-met"].kind == "checkin" and steps["day3-met"].buttons
    assert steps["week2-checkin"].day == 14
    assert steps["monthly-checkin"].every_days == 30
    feedback = steps["cohort-feedback"]
    assert feedback.kind == "feedback" and feedback.before_cohort_end_days is not None
    assert not feedback.buttons


def test_config_loads_from_toml_like_data() -> None:
    cfg = NudgesConfig.model_validate(
        {
            "quiet_hours": {"start": "21:30", "end": "07:00", "excluded_weekdays": [6, 5]},
            "plan": {"steps": [{"key": "hello", "day": 1, "text": "Hi {name}, meet {partner}!"}]},
            "digest": {"weekday": 4, "hour": 16, "zone": "Europe/London"},
        }
    )
    assert cfg.quiet_hours.start == time(21, 30)
    assert cfg.quiet_hours.excluded_weekdays == [5, 6]
    assert cfg.plan.steps[0].buttons is True  # check-ins get buttons unless told otherwise
    assert cfg.digest.zone == "Europe/London"


def test_unknown_placeholder_error_names_it_and_its_path() -> None:
    errors = errors_of({"plan": {"steps": [{"key": "a", "day": 3, "text": "Hello {partnr}"}]}})
    (loc, msg), = errors
    assert loc == ("plan", "steps", 0, "text")
    assert "{partnr}" in msg and "{partner}" in msg


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{partner.__class__}", "plain name"),
        ("{partner[0]}", "plain name"),
        ("{0}", "plain name"),
        ("{partner!r}", "format spec"),
        ("{partner:>10}", "format spec"),
        ("Hi {partner", "braces"),
        ("Hi partner}", "braces"),
        ("Hi {}", "empty placeholder"),
    ],
)
def test_unsafe_or_broken_templates_are_refused(text: str, needle: str) -> None:
    with pytest.raises(TemplateError, match=needle):
        check_template(text)


def test_onboarding_reminder_cannot_mention_a_partner() -> None:
    ((loc, msg),) = errors_of({"onboarding_reminders": {"text": "Your partner {partner} is waiting"}})
    assert loc == ("onboarding_reminders", "text")
    assert "{partner}" in msg


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ({"pacing": {"messages_per_second": 60}}, ("pacing", "messages_per_second"), "less than or equal"),
        ({"pacing": {"messages_per_second": 45, "burst": 10}}, ("pacing",), "50 requests/s"),
        ({"pacing": {"new_dms_per_minute": 0}}, ("pacing", "new_dms_per_minute"), "greater than or equal"),
        ({"quiet_hours": {"excluded_weekdays": [7]}}, ("quiet_hours", "excluded_weekdays"), "0 (Monday)"),
        ({"quiet_hours": {"excluded_weekdays": [0, 1, 2, 3, 4, 5, 6]}}, ("quiet_hours", "excluded_weekdays"), "at most 6"),
        ({"quiet_hours": {"start": "25:00"}}, ("quiet_hours", "start"), "time"),
        ({"onboarding_reminders": {"after_hours": [72, 24]}}, ("onboarding_reminders", "after_hours"), "increasing"),
        ({"digest": {"zone": "Europe/Londres"}}, ("digest", "zone"), "Europe/Londres"),
        ({"digest": {"hour": 24}}, ("digest", "hour"), "less than or equal"),
        ({"plan": {"steps": [{"key": "x", "text": "hi"}]}}, ("plan", "steps", 0), "needs day"),
        (
            {"plan": {"steps": [{"key": "x", "day": 2, "before_cohort_end_days": 1, "text": "hi"}]}},
            ("plan", "steps", 0),
            "not both",
        ),
        ({"plan": {"steps": [{"key": "x", "every_days": 0, "text": "hi"}]}}, ("plan", "steps", 0, "every_days"), "greater"),
        ({"plan": {"steps": [{"key": "x", "every_day": 30, "text": "hi"}]}}, ("plan", "steps", 0, "every_day"), "not permitted"),
        ({"plan": {"steps": [{"key": "Has Space", "day": 1, "text": "hi"}]}}, ("plan", "steps", 0, "key"), "pattern"),
        (
            {"plan": {"steps": [{"key": "x", "day": 1, "text": "a"}, {"key": "x", "day": 2, "text": "b"}]}},
            ("plan", "steps"),
            "duplicate step key 'x'",
        ),
    ],
)
def test_bad_settings_fail_with_path_and_reason(
    data: dict[str, Any], path: tuple[str | int, ...], words: str
) -> None:
    errors = errors_of(data)
    assert any(loc == path and words in msg for loc, msg in errors), errors


def test_render_fills_placeholders_and_leaves_literal_braces() -> None:
    text = "Hi {name}, meet {partner} in {space} ({programme}, week {week}) {{not a field}}"
    out = render_template(
        text, {"name": "Ana", "partner": "Ben", "space": "#pair-1", "programme": "EduMentoring", "week": 3}
    )
    assert out == "Hi Ana, meet Ben in #pair-1 (EduMentoring, week 3) {not a field}"


def test_render_with_missing_value_still_sends_and_values_are_not_reformatted() -> None:
    out = render_template("Hi {name}, your space: {space}", {"name": "{partner.__class__}"})
    assert out == "Hi {partner.__class__}, your space: "


def test_render_refuses_unknown_placeholders_and_fits_discord() -> None:
    with pytest.raises(TemplateError, match="{secret}"):
        render_template("{secret}", {"secret": "x"})
    long = render_template("{name}", {"name": "x" * 5000})
    assert len(long) == 2000 and long.endswith("…")


def test_step_without_explicit_buttons_follows_its_kind() -> None:
    assert NudgeStep(key="a", kind="message", day=1, text="hi").buttons is False
    assert NudgeStep(key="b", kind="feedback", day=1, text="hi", buttons=True).buttons is True
    plan = NudgePlanConfig()
    assert plan.step("day3-met") is not None and plan.step("gone") is None


def test_pacing_and_quiet_models_are_usable_on_their_own() -> None:
    assert PacingConfig(messages_per_second=10, burst=2).messages_per_second == 10
    with pytest.raises(ValidationError, match="offset"):
        QuietHoursConfig(start=time(20, 0, tzinfo=UTC))
