"""``[programme.circle]`` and ``[programme.events]``: the mentor circle and programme events, per programme."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

_STRICT = ConfigDict(extra="forbid")

#: What each question preset gets unless its config says otherwise: RunTogether's hundreds of mentors share a
#: bot-managed "Mentors" role (one overwrite on the channel, and a role people can mention); Libraries
#: Connected's small cohort is led by a coach, so its coach role is in the circle.
CIRCLE_PRESETS: dict[str, dict[str, object]] = {
    "runtogether": {"enabled": True, "role": "Mentors"},
    "libraries": {"enabled": True, "coach_role": "Coach"},
}


class CircleConfig(BaseModel):
    """The mentor circle: one private channel per programme for everyone who mentors in it, the organisers
    and the programme's coach role.

    Membership is written one of two ways. With ``role`` set (e.g. ``"Mentors"``) the bot keeps that role on
    exactly the circle's members (creating the role if the server has none by that name) and the channel
    admits the role: one overwrite however many mentors, a role people can @mention, and membership visible in
    the member list. With ``role`` empty the channel carries one member overwrite per mentor: nothing new in the
    server's role list, and no role hierarchy to get right (a bot manages only roles below its own).

    Who is in it: people whose profile says they mentor (mentor or both), active or on a break (a pause does not
    take anyone out of the community); never someone who left the programme or the server. With
    ``active_mentors_only`` only mentors with at least one active match are in it: the circle follows the end
    of their last match."""

    model_config = _STRICT

    enabled: bool | None = None  # None: the preset's default (on for RunTogether and Libraries Connected)
    channel: str = Field(default="mentor-circle", min_length=1, max_length=100)
    role: str | None = Field(default=None, max_length=100)  # None: the preset's default ("" = member overwrites)
    coach_role: str | None = Field(default=None, max_length=100)  # None: the preset's default
    active_mentors_only: bool = False
    #: a short welcome posted once in the channel when the bot creates it
    topic: str = Field(default="A private space for everyone who mentors in the programme.", max_length=1024)

    def resolved(self, preset: str) -> CircleConfig:
        """This config with the preset's defaults where it left a value unset."""
        defaults = CIRCLE_PRESETS.get(preset, {})
        return self.model_copy(update={
            "enabled": self.enabled if self.enabled is not None else bool(defaults.get("enabled", False)),
            "role": self.role if self.role is not None else str(defaults.get("role", "")),
            "coach_role": self.coach_role if self.coach_role is not None else str(defaults.get("coach_role", "")),
        })


_POINT = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_point(text: str) -> timedelta:
    """``"7d"``, ``"1d"``, ``"1h"``, ``"30m"``: how long before an event a reminder is due."""
    found = _POINT.match(text.lower())
    if found is None:
        raise ValueError(f"{text!r} is not a reminder point like '7d', '1d', '1h' or '30m'")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


class EventsConfig(BaseModel):
    """Programme events (``/event create``) and their reminders."""

    model_config = _STRICT

    #: how long before an event its reminders go out, each once, in each person's local daytime
    reminders: list[str] = Field(default_factory=lambda: ["7d", "1d", "1h"], max_length=6)
    #: where the link is posted when an event starts (name or id); "" = the mentor circle for mentors-only events,
    #: else the organisers' channel
    announce_channel: str = Field(default="", max_length=100)
    #: how long after its end the one feedback question goes to attendees
    feedback_after_hours: int = Field(default=1, ge=0, le=72)

    @field_validator("reminders")
    @classmethod
    def _points(cls, points: list[str]) -> list[str]:
        for point in points:
            delta = parse_point(point)
            if not timedelta(minutes=5) <= delta <= timedelta(days=60):
                raise ValueError(f"{point!r}: a reminder goes out between 5 minutes and 60 days before")
        return [p.strip().lower() for p in points]

    def points(self) -> list[tuple[str, timedelta]]:
        """The reminder points, earliest first (the longest lead first)."""
        return sorted(((p, parse_point(p)) for p in self.reminders), key=lambda item: item[1], reverse=True)
