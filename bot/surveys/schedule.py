"""When a survey is due for one person of one match (pure: no storage, no discord).

A survey's *moment* is the plan point it belongs to — the match's start, ``day`` days in, or its end (or, for
pairs still going in a programme with cohorts, ``before_cohort_end_days`` before the cohort ends). It goes out
at the first moment of the person's local daytime (their quiet hours respected) once that point has passed,
and not at all when it is more than ``send_within_days`` late.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.nudges.config import QuietHoursConfig
from bot.nudges.quiet import first_instant_at, get_zone, next_allowed
from bot.surveys.config import SurveyConfig


def survey_moment(survey: SurveyConfig, *, started_at: datetime, ended_at: datetime | None,
                  cohort_end: date | None, zone: str, local_time: time = time(10, 0)) -> datetime | None:
    """The plan point of ``survey`` for a match (None: it has none, e.g. a mid-point after the match ended)."""
    if survey.at == "start":
        return started_at
    if survey.at == "day":
        assert survey.day is not None
        at = started_at + timedelta(days=survey.day)
        return None if ended_at is not None and ended_at < at else at
    if ended_at is not None:
        return ended_at
    if survey.before_cohort_end_days is not None and cohort_end is not None:
        day = cohort_end - timedelta(days=survey.before_cohort_end_days)
        return first_instant_at(day, local_time, get_zone(zone))
    return None


def survey_due_at(survey: SurveyConfig, moment: datetime | None, *, now: datetime, zone: str,
                  quiet: QuietHoursConfig) -> datetime | None:
    """When to send: the first daytime moment from ``now`` once ``moment`` has passed; None when it has not
    passed yet or is more than ``send_within_days`` ago."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    if moment > now or now - moment > timedelta(days=survey.send_within_days):
        return None
    return next_allowed(now, zone, quiet)


def reminder_due_at(survey: SurveyConfig, sent_at: datetime, *, zone: str, quiet: QuietHoursConfig) -> datetime:
    """The one reminder: ``reminder_after_days`` after the survey went out, in the person's daytime."""
    return next_allowed(sent_at + timedelta(days=survey.reminder_after_days), zone, quiet)
