"""A match's nudges come out of the plan on the right days, in local daytime, and plan edits touch only
the future."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.nudges.config import NudgePlanConfig, NudgeStep, QuietHoursConfig
from bot.nudges.plan import ExistingNudge, PlannedNudge, replan, schedule_for_match, week_number

NO_QUIET = QuietHoursConfig(start=time(0, 0), end=time(0, 0))
DEFAULT_QUIET = QuietHoursConfig()
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday, 10:00 in London


def plan_of(*steps: NudgeStep) -> NudgePlanConfig:
    return NudgePlanConfig(steps=list(steps))


def schedule(plan: NudgePlanConfig, **kw: object) -> list[PlannedNudge]:
    args: dict[str, object] = {
        "match_id": 7,
        "start": START,
        "horizon_end": START + timedelta(days=365),
        "cohort_end": None,
        "tz_by_person": {"ana": "Europe/London"},
        "quiet": NO_QUIET,
    }
    args.update(kw)
    return schedule_for_match(plan, **args)  # type: ignore[arg-type]


def test_every_thirty_days_until_the_horizon() -> None:
    plan = plan_of(NudgeStep(key="monthly", every_days=30, text="hi"))
    out = schedule(plan, horizon_end=START + timedelta(days=100))
    assert [n.due_at for n in out] == [START + timedelta(days=d) for d in (30, 60, 90)]
    assert [n.occurrence for n in out] == [1, 2, 3]
    assert {n.step_key for n in out} == {"monthly"}


def test_a_nudge_exactly_at_the_horizon_is_not_planned() -> None:
    plan = plan_of(NudgeStep(key="monthly", every_days=30, text="hi"))
    assert len(schedule(plan, horizon_end=START + timedelta(days=90))) == 2


def test_day_with_repeat_starts_on_that_day() -> None:
    plan = plan_of(NudgeStep(key="weekly", day=3, every_days=7, text="hi"))
    out = schedule(plan, horizon_end=START + timedelta(days=20))
    assert [(n.due_at - START).days for n in out] == [3, 10, 17]


def test_one_off_day_step_after_the_match_ends_is_dropped() -> None:
    plan = plan_of(NudgeStep(key="d14", day=14, text="hi"))
    assert schedule(plan, horizon_end=START + timedelta(days=10)) == []


def test_cohort_end_stops_repeats_and_brings_feedback_at_local_ten() -> None:
    plan = plan_of(
        NudgeStep(key="monthly", every_days=30, text="hi"),
        NudgeStep(key="feedback", kind="feedback", before_cohort_end_days=3, text="how was it?"),
    )
    people = {"ana": "Europe/London", "raj": "Asia/Kolkata", "sam": "America/New_York"}
    out = schedule(plan, cohort_end=date(2026, 4, 30), tz_by_person=people, quiet=DEFAULT_QUIET)
    monthly = [n for n in out if n.step_key == "monthly" and n.person_key == "ana"]
    assert [(n.base_at - START).days for n in monthly] == [30, 60, 90]  # day 120 is after 30 April
    feedback = {n.person_key: n.due_at for n in out if n.step_key == "feedback"}
    assert feedback == {
        "ana": datetime(2026, 4, 27, 9, 0, tzinfo=UTC),  # 10:00 BST
        "raj": datetime(2026, 4, 27, 4, 30, tzinfo=UTC),  # 10:00 IST
        "sam": datetime(2026, 4, 27, 14, 0, tzinfo=UTC),  # 10:00 EDT
    }
    assert all(n.kind == "feedback" for n in out if n.step_key == "feedback")


def test_cohort_feedback_is_skipped_without_cohorts_or_when_matched_too_late() -> None:
    plan = plan_of(NudgeStep(key="feedback", kind="feedback", before_cohort_end_days=3, text="?"))
    assert schedule(plan) == []
    assert schedule(plan, cohort_end=date(2026, 1, 6)) == []  # 3 Jan is before the match started


def test_each_person_is_moved_out_of_their_own_quiet_hours() -> None:
    plan = plan_of(NudgeStep(key="d3", day=3, text="hi"))
    start = datetime(2026, 1, 5, 19, 0, tzinfo=UTC)
    out = schedule(
        plan,
        start=start,
        tz_by_person={"ana": "Europe/London", "raj": "Asia/Kolkata", "kiri": "Pacific/Auckland"},
        quiet=DEFAULT_QUIET,
    )
    due = {n.person_key: n.due_at for n in out}
    assert due["ana"] == datetime(2026, 1, 8, 19, 0, tzinfo=UTC)  # 19:00 GMT is still daytime
    assert due["raj"] == datetime(2026, 1, 9, 2, 30, tzinfo=UTC)  # 00:30 IST -> 08:00 IST
    assert due["kiri"] == datetime(2026, 1, 8, 19, 0, tzinfo=UTC)  # 08:00 NZDT on the 9th
    assert all(n.base_at == start + timedelta(days=3) for n in out)


def test_per_person_quiet_hours_override() -> None:
    plan = plan_of(NudgeStep(key="d3", day=3, text="hi"))
    late_riser = QuietHoursConfig(start=time(20, 0), end=time(11, 0))
    out = schedule(
        plan,
        tz_by_person={"ana": "UTC", "ben": "UTC"},
        quiet=DEFAULT_QUIET,
        quiet_by_person={"ben": late_riser},
    )
    due = {n.person_key: n.due_at.time() for n in out}
    assert due == {"ana": time(10, 0), "ben": time(11, 0)}


def test_schedule_is_deterministic_and_sorted() -> None:
    people = {"zoe": "Pacific/Auckland", "ana": "Europe/London"}
    kw = {"cohort_end": date(2026, 6, 30), "quiet": DEFAULT_QUIET}
    first = schedule(NudgePlanConfig(), tz_by_person=people, **kw)
    second = schedule(NudgePlanConfig(), tz_by_person=dict(reversed(list(people.items()))), **kw)
    assert first == second
    assert first == sorted(first, key=lambda n: (n.due_at, n.person_key, n.step_key, n.occurrence))
    assert {n.step_key for n in first} == {"day3-met", "week2-checkin", "monthly-checkin", "cohort-feedback"}
    assert all(n.due_at.tzinfo is UTC for n in first)


def test_week_number_counts_from_one() -> None:
    assert week_number(START, START) == 1
    assert week_number(START, START + timedelta(days=6, hours=23)) == 1
    assert week_number(START, START + timedelta(days=14)) == 3


def stored(nudges: list[PlannedNudge], status: str = "pending") -> list[ExistingNudge]:
    return [
        ExistingNudge(
            id=i,
            match_id=n.match_id,
            person_key=n.person_key,
            step_key=n.step_key,
            occurrence=n.occurrence,
            kind=n.kind,
            due_at=n.due_at,
            status=status,
        )
        for i, n in enumerate(nudges, start=1)
    ]


def test_editing_the_plan_changes_only_future_nudges() -> None:
    old_plan = plan_of(
        NudgeStep(key="d3", day=3, text="met?"),
        NudgeStep(key="d14", day=14, text="check"),
        NudgeStep(key="d21", day=21, text="check"),
        NudgeStep(key="d40", day=40, text="check"),
    )
    new_plan = plan_of(
        NudgeStep(key="d1", day=1, text="welcome"),  # added, but its time has passed
        NudgeStep(key="d3", day=5, text="met?"),  # moved, but already sent
        NudgeStep(key="d14", day=14, text="check, reworded"),  # same time
        NudgeStep(key="d40", day=45, text="check"),  # moved in the future
        NudgeStep(key="d30", day=30, text="new"),  # added in the future
    )  # d21 removed
    now = START + timedelta(days=10)
    rows = stored(schedule(old_plan))
    rows[0] = replace(rows[0], status="sent")  # d3 went out on day 3
    to_cancel, to_add = replan(rows, schedule(new_plan), now)
    assert sorted(r.step_key for r in to_cancel) == ["d21", "d40"]
    assert sorted((n.step_key, (n.due_at - START).days) for n in to_add) == [("d30", 30), ("d40", 45)]


def test_replan_keeps_due_but_unsent_nudges_and_ignores_cancelled_rows() -> None:
    plan = plan_of(NudgeStep(key="d3", day=3, text="x"), NudgeStep(key="d14", day=14, text="y"))
    planned = schedule(plan)
    rows = stored(planned)
    rows[1] = replace(rows[1], status="cancelled")
    now = START + timedelta(days=4)  # d3 is due and pending: the dispatcher will send it
    to_cancel, to_add = replan(rows, planned, now)
    assert to_cancel == []
    assert [n.step_key for n in to_add] == ["d14"]


def test_replan_with_an_unchanged_plan_changes_nothing() -> None:
    planned = schedule(NudgePlanConfig(), cohort_end=date(2026, 6, 30))
    assert replan(stored(planned), planned, START) == ([], [])


def test_check_ins_pushed_to_the_same_morning_are_not_sent_twice() -> None:
    plan = plan_of(
        NudgeStep(key="sat", day=5, text="a"),  # Saturday 10 Jan
        NudgeStep(key="sun", day=6, text="b"),  # Sunday 11 Jan
        NudgeStep(key="note", kind="message", day=6, text="c"),
    )
    weekdays = QuietHoursConfig(excluded_weekdays=[5, 6])
    out = schedule(plan, quiet=weekdays, tz_by_person={"ana": "UTC"})
    monday = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    assert [(n.step_key, n.due_at) for n in out] == [("note", monday), ("sun", monday)]


def test_every_planned_nudge_is_in_its_recipients_daytime() -> None:
    from bot.nudges.quiet import is_quiet

    people = {
        "ana": "Europe/London",
        "sam": "America/New_York",
        "raj": "Asia/Kolkata",
        "kiri": "Pacific/Auckland",
    }
    quiet = QuietHoursConfig(excluded_weekdays=[6])
    for hour in range(0, 24, 5):
        start = datetime(2026, 2, 20, hour, 17, tzinfo=UTC)
        out = schedule(
            NudgePlanConfig(),
            start=start,
            horizon_end=start + timedelta(days=400),
            cohort_end=date(2026, 12, 1),
            tz_by_person=people,
            quiet=quiet,
        )
        assert len(out) > 4 * 10
        for n in out:
            assert n.due_at >= n.base_at
            assert n.due_at - n.base_at < timedelta(days=2)
            assert not is_quiet(n.due_at, people[n.person_key], quiet)
