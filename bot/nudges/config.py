"""Configuration models for nudges: the plan, quiet hours, pacing, onboarding reminders and the digest.

Every field carries its limits (``ge``/``le``), so a bad config file fails with the field's path and the
reason. Templates are checked when the config loads: an unknown ``{placeholder}`` is named in the error.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.nudges.templates import (
    NUDGE_PLACEHOLDERS,
    TemplateError,
    check_template,
    render_template,
    template_fields,
)

__all__ = [
    "DISCORD_GLOBAL_RATE",
    "step_label",
    "NUDGE_PLACEHOLDERS",
    "ONBOARDING_PLACEHOLDERS",
    "DigestConfig",
    "NudgeKind",
    "NudgePlanConfig",
    "NudgeStep",
    "NudgesConfig",
    "OnboardingRemindersConfig",
    "PacingConfig",
    "QuietHoursConfig",
    "TemplateError",
    "check_template",
    "checkin_plan",
    "render_template",
    "template_fields",
]

NudgeKind = Literal["checkin", "feedback", "message"]

#: Discord's global limit: requests per second per bot token.
DISCORD_GLOBAL_RATE = 50

#: Placeholders an onboarding reminder may use (there is no partner or space yet).
ONBOARDING_PLACEHOLDERS: frozenset[str] = frozenset({"name", "programme"})

_STRICT = ConfigDict(extra="forbid")


def step_label(key: str) -> str:
    """A step key as words, for a step without a ``name`` ("week4-goals" → "Week 4 goals")."""
    words = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", key.replace("-", " ").replace("_", " ")).strip()
    return words[:1].upper() + words[1:] if words else key


class NudgeStep(BaseModel):
    """One step of a nudge plan.

    Timing, exactly one of:
    - ``day`` (days after the match starts), optionally with ``every_days`` to repeat from then on
      until the match ends;
    - ``every_days`` alone: first at day ``every_days``, then every ``every_days`` days;
    - ``before_cohort_end_days``: once, that many days before the cohort's end date, at the plan's
      ``cohort_local_time`` in each person's own time zone (skipped when the programme has no cohorts).
    ``buttons`` defaults to true for check-ins and false otherwise.
    """

    model_config = _STRICT

    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    #: what organisers read for this step ("Week 4: goals"); default: the key in words
    name: str | None = Field(default=None, min_length=1, max_length=80)
    kind: NudgeKind = "checkin"
    day: int | None = Field(default=None, ge=0, le=3650)
    every_days: int | None = Field(default=None, ge=1, le=365)
    before_cohort_end_days: int | None = Field(default=None, ge=0, le=365)
    text: str = Field(min_length=1, max_length=1800)
    buttons: bool = False

    @model_validator(mode="before")
    @classmethod
    def _default_buttons(cls, data: Any) -> Any:
        if isinstance(data, dict) and "buttons" not in data:
            return {**data, "buttons": data.get("kind", "checkin") == "checkin"}
        return data

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str) -> str:
        return check_template(value, NUDGE_PLACEHOLDERS)

    @model_validator(mode="after")
    def _check_timing(self) -> NudgeStep:
        relative = self.day is not None or self.every_days is not None
        if relative and self.before_cohort_end_days is not None:
            raise ValueError(
                f"step {self.key!r}: use either day/every_days or before_cohort_end_days, not both"
            )
        if not relative and self.before_cohort_end_days is None:
            raise ValueError(f"step {self.key!r}: needs day, every_days or before_cohort_end_days")
        return self

    @property
    def label(self) -> str:
        """The step's human name, as organisers read it."""
        return self.name or step_label(self.key)

    @property
    def repeats(self) -> bool:
        return self.every_days is not None

    @property
    def first_day(self) -> int | None:
        """Days after the match start of the first occurrence (None for cohort-end steps)."""
        if self.day is not None:
            return self.day
        return self.every_days


def _default_steps() -> list[NudgeStep]:
    return [
        NudgeStep(
            key="day3-met",
            name="Day 3: have you met?",
            kind="checkin",
            day=3,
            text=(
                "Hi {name}! A few days ago you were paired with {partner} in {programme}. "
                "Have you two met yet? Your shared space: {space}"
            ),
        ),
        NudgeStep(
            key="week2-checkin",
            name="Week 2 check-in",
            kind="checkin",
            day=14,
            text=(
                "Hi {name}, two weeks into {programme} with {partner}. How is it going? "
                "Tap a button below; your space is {space}"
            ),
        ),
        NudgeStep(
            key="monthly-checkin",
            name="Monthly check-in",
            kind="checkin",
            every_days=30,
            text=(
                "Hi {name}, your monthly {programme} check-in (week {week}). "
                "How are things with {partner}? Your space: {space}"
            ),
        ),
        NudgeStep(
            key="cohort-feedback",
            name="End-of-cohort feedback",
            kind="feedback",
            before_cohort_end_days=3,
            text=(
                "Hi {name}, this {programme} cohort ends in a few days. What difference did working with "
                "{partner} make, and what should we change for the next cohort? Press “Write my feedback” below."
            ),
        ),
    ]


def _checkin_steps() -> list[NudgeStep]:
    return [
        NudgeStep(
            key="checkin-hello",
            name="Check-in hello",
            kind="message",
            day=7,
            text=(
                "Hi {name}, {partner} will check in with you now and then through {programme}: no pressure, "
                "just a friendly ear as your group grows. Your space: {space}"
            ),
        ),
        NudgeStep(
            key="checkin-light",
            name="Light check-in",
            kind="checkin",
            every_days=60,
            text=(
                "Hi {name}, a light {programme} check-in: how are things going with {partner}? "
                "Tap a button below; your space is {space}"
            ),
        ),
    ]


def checkin_plan() -> NudgePlanConfig:
    """The default plan of a lighter check-in relationship (a welcome, then every two months)."""
    return NudgePlanConfig(steps=_checkin_steps())


class NudgePlanConfig(BaseModel):
    """A programme's nudge plan. Editing it changes future nudges only (see ``bot.nudges.plan.replan``)."""

    model_config = _STRICT

    steps: list[NudgeStep] = Field(default_factory=_default_steps, max_length=50)
    #: Local time (each person's own zone) at which cohort-end steps are due.
    cohort_local_time: time = time(10, 0)
    #: A person's check-ins due within this many hours of one that is due now come with it, in one message
    #: (a mentor with several mentees gets one check-in per moment); 0: only those already due.
    together_within_hours: int = Field(default=12, ge=0, le=72)

    @field_validator("steps")
    @classmethod
    def _unique_keys(cls, steps: list[NudgeStep]) -> list[NudgeStep]:
        seen: set[str] = set()
        for step in steps:
            if step.key in seen:
                raise ValueError(f"duplicate step key {step.key!r}")
            seen.add(step.key)
        return steps

    @field_validator("cohort_local_time")
    @classmethod
    def _naive_time(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("give a local time without an offset, e.g. 10:00")
        return value

    def step(self, key: str) -> NudgeStep | None:
        """The step called ``key``, or None when the plan no longer has it."""
        return next((s for s in self.steps if s.key == key), None)


class QuietHoursConfig(BaseModel):
    """When not to deliver, in each person's own time zone.

    The quiet window runs from ``start`` to ``end`` and may cross midnight (the default 20:00–08:00 does);
    ``start == end`` means no quiet window. ``excluded_weekdays`` are whole local days with no delivery
    (0 = Monday … 6 = Sunday); at least one day must stay allowed.
    """

    model_config = _STRICT

    start: time = time(20, 0)
    end: time = time(8, 0)
    excluded_weekdays: list[int] = Field(default_factory=list, max_length=6)

    @field_validator("start", "end")
    @classmethod
    def _naive_time(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("give a local time without an offset, e.g. 20:00")
        return value

    @field_validator("excluded_weekdays")
    @classmethod
    def _weekdays(cls, days: list[int]) -> list[int]:
        for day in days:
            if not 0 <= day <= 6:
                raise ValueError(f"weekday {day} is out of range; use 0 (Monday) to 6 (Sunday)")
        if len(set(days)) != len(days):
            raise ValueError("a weekday is listed twice")
        return sorted(days)


class PacingConfig(BaseModel):
    """The one limiter for everything the bot sends.

    ``messages_per_second`` is the sustained rate of requests; ``burst`` how many may go at once after a
    quiet spell. ``new_dms_per_minute``/``new_dm_burst`` cap the opening of new DM channels separately,
    because Discord quarantines bots that open many DMs quickly. ``messages_per_second + burst`` must stay
    under Discord's global 50 requests/s.
    """

    model_config = _STRICT

    messages_per_second: float = Field(default=25.0, gt=0, le=45)
    burst: int = Field(default=5, ge=1, le=25)
    new_dms_per_minute: int = Field(default=30, ge=1, le=600)
    new_dm_burst: int = Field(default=1, ge=1, le=50)

    @model_validator(mode="after")
    def _under_discord_limit(self) -> PacingConfig:
        if self.messages_per_second + self.burst > DISCORD_GLOBAL_RATE:
            raise ValueError(
                f"messages_per_second + burst = {self.messages_per_second + self.burst:g} could exceed "
                f"Discord's {DISCORD_GLOBAL_RATE} requests/s in one second; lower one of them"
            )
        return self


class OnboardingRemindersConfig(BaseModel):
    """Reminders to finish onboarding, ``after_hours`` after the last unanswered question."""

    model_config = _STRICT

    after_hours: list[int] = Field(default_factory=lambda: [24, 72], max_length=10)
    #: the reminder's words, above the question; unset: the programme's voice's ``onboarding_reminder``
    text: str | None = Field(default=None, min_length=1, max_length=1800)

    @field_validator("after_hours")
    @classmethod
    def _increasing(cls, hours: list[int]) -> list[int]:
        for h in hours:
            if not 1 <= h <= 24 * 30:
                raise ValueError(f"{h} hours is out of range (1 to 720)")
        if any(b <= a for a, b in zip(hours, hours[1:], strict=False)):
            raise ValueError("after_hours must be strictly increasing, e.g. [24, 72]")
        return hours

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str | None) -> str | None:
        return None if value is None else check_template(value, ONBOARDING_PLACEHOLDERS)


class DigestConfig(BaseModel):
    """The organisers' weekly digest: ``weekday`` (0 = Monday) at ``hour`` o'clock in ``zone``."""

    model_config = _STRICT

    enabled: bool = True
    weekday: int = Field(default=0, ge=0, le=6)
    hour: int = Field(default=9, ge=0, le=23)
    zone: str = "UTC"

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like Europe/London") from exc
        return value


class NudgesConfig(BaseModel):
    """Everything about nudges for one programme, for embedding in the bot's config."""

    model_config = _STRICT

    plan: NudgePlanConfig = Field(default_factory=NudgePlanConfig)
    quiet_hours: QuietHoursConfig = Field(default_factory=QuietHoursConfig)
    pacing: PacingConfig = Field(default_factory=PacingConfig)
    onboarding_reminders: OnboardingRemindersConfig = Field(default_factory=OnboardingRemindersConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
