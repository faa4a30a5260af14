"""What happens after someone presses a check-in button."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot.nudges.answers import (
    AnswerRejected,
    AskPartnerToConfirmEnd,
    ClearAtRisk,
    EndMatch,
    MarkAtRisk,
    NotifyOrganisers,
    NudgeAnswer,
    NudgeRecord,
    RecordAnswer,
    at_risk,
    follow_up,
    history_summary,
    unanswered_actions,
)

PAIR = ("ana", "ben")
T0 = datetime(2026, 1, 8, 10, 0, tzinfo=UTC)


def checkin(
    nudge_id: int, person: str, step: str, days: int, answer: NudgeAnswer | None = None, occurrence: int = 1
) -> NudgeRecord:
    return NudgeRecord(
        nudge_id=nudge_id,
        person_key=person,
        step_key=step,
        sent_at=T0 + timedelta(days=days),
        answer=answer,
        occurrence=occurrence,
    )


def notices(actions: Sequence[object]) -> list[NotifyOrganisers]:
    return [a for a in actions if isinstance(a, NotifyOrganisers)]


def test_met_is_recorded_and_clears_at_risk() -> None:
    history = [checkin(1, "ana", "day3", 3), checkin(2, "ben", "day3", 3)]
    actions = follow_up(history, nudge_id=1, answer="met", by="ana", pair=PAIR)
    assert actions == [RecordAnswer(1, "met"), ClearAtRisk()]


def test_first_not_yet_only_records() -> None:
    history = [checkin(1, "ana", "day3", 3)]
    assert notices(follow_up(history, nudge_id=1, answer="not_yet", by="ana", pair=PAIR)) == []


def test_second_not_yet_tells_organisers_with_the_pairs_history() -> None:
    history = [
        checkin(1, "ana", "day3", 3, "not_yet"),
        checkin(2, "ben", "day3", 3),
        checkin(3, "ana", "week2", 14),
        checkin(4, "ben", "week2", 14),
    ]
    actions = follow_up(history, nudge_id=4, answer="not_yet", by="ben", pair=PAIR)
    assert actions[0] == RecordAnswer(4, "not_yet")
    (notice,) = notices(actions)
    assert notice.reason == "not_yet_twice" and notice.urgent
    assert [r.nudge_id for r in notice.history] == [1, 2, 3, 4]
    assert notice.history[-1].answer == "not_yet"
    summary = history_summary(notice.history, {"day3": "Day 3: have you met?"})
    assert "Day 3: have you met? → ana: not yet" in summary and "Week 2 → ben: not yet" in summary
    assert "Week 2 → ana: no answer" in summary  # a step without a name: its key in words


def test_both_saying_not_yet_to_the_same_check_in_counts_once() -> None:
    history = [checkin(1, "ana", "day3", 3, "not_yet"), checkin(2, "ben", "day3", 3)]
    assert notices(follow_up(history, nudge_id=2, answer="not_yet", by="ben", pair=PAIR)) == []


def test_partner_agreeing_after_organisers_were_told_does_not_tell_them_again() -> None:
    history = [
        checkin(1, "ana", "day3", 3, "not_yet"),
        checkin(3, "ana", "week2", 14, "not_yet"),
        checkin(4, "ben", "week2", 14),
    ]
    assert notices(follow_up(history, nudge_id=4, answer="not_yet", by="ben", pair=PAIR)) == []


def test_meeting_in_between_resets_the_not_yet_count() -> None:
    history = [
        checkin(1, "ana", "day3", 3, "not_yet"),
        checkin(2, "ana", "week2", 14, "met"),
        checkin(3, "ana", "monthly", 30),
    ]
    assert notices(follow_up(history, nudge_id=3, answer="not_yet", by="ana", pair=PAIR)) == []


def test_need_help_tells_organisers_at_once() -> None:
    history = [checkin(1, "ana", "day3", 3)]
    actions = follow_up(history, nudge_id=1, answer="help", by="ana", pair=PAIR)
    assert actions[:2] == [RecordAnswer(1, "help"), ClearAtRisk()]
    (notice,) = notices(actions)
    assert notice.reason == "help" and notice.urgent and "ana" in notice.message and "ben" in notice.message


def test_end_asks_the_partner_and_their_confirmation_ends_the_match() -> None:
    history = [checkin(1, "ana", "week2", 14), checkin(2, "ben", "week2", 14)]
    actions = follow_up(history, nudge_id=1, answer="end", by="ana", pair=PAIR)
    assert AskPartnerToConfirmEnd(partner_key="ben", requested_by="ana", nudge_id=1) in actions
    assert not any(isinstance(a, EndMatch) for a in actions)
    assert [n.reason for n in notices(actions)] == ["end_requested"]

    history[0] = checkin(1, "ana", "week2", 14, "end")
    confirmed = follow_up(history, nudge_id=1, answer="confirm_end", by="ben", pair=PAIR)
    assert confirmed[0] == EndMatch(requested_by="ana", confirmed_by="ben")
    assert [n.reason for n in notices(confirmed)] == ["match_ended"]

    declined = follow_up(history, nudge_id=1, answer="keep", by="ben", pair=PAIR)
    assert not any(isinstance(a, EndMatch) for a in declined)
    assert [n.reason for n in notices(declined)] == ["end_declined"]


def test_only_the_partner_can_confirm_an_end_and_only_when_one_was_asked() -> None:
    asked = [checkin(1, "ana", "week2", 14, "end")]
    with pytest.raises(AnswerRejected, match="partner"):
        follow_up(asked, nudge_id=1, answer="confirm_end", by="ana", pair=PAIR)
    not_asked = [checkin(1, "ana", "week2", 14, "met")]
    with pytest.raises(AnswerRejected, match="no request"):
        follow_up(not_asked, nudge_id=1, answer="confirm_end", by="ben", pair=PAIR)


def test_someone_elses_button_unknown_nudges_and_repeat_clicks() -> None:
    history = [checkin(1, "ana", "day3", 3, "met")]
    with pytest.raises(AnswerRejected, match="someone else"):
        follow_up(history, nudge_id=1, answer="help", by="ben", pair=PAIR)
    with pytest.raises(LookupError):
        follow_up(history, nudge_id=99, answer="met", by="ana", pair=PAIR)
    assert follow_up(history, nudge_id=1, answer="met", by="ana", pair=PAIR) == []


def test_two_unanswered_check_ins_in_a_row_make_the_pair_at_risk() -> None:
    history = [
        checkin(1, "ana", "day3", 3, "met"),
        checkin(2, "ana", "week2", 14),
        checkin(3, "ben", "week2", 14),
        checkin(4, "ana", "monthly", 30),
        checkin(5, "ben", "monthly", 30),
    ]
    assert at_risk(history)
    assert not at_risk(history[:3])  # only one unanswered so far


def test_one_partner_answering_means_the_pair_answered() -> None:
    history = [
        checkin(2, "ana", "week2", 14),
        checkin(3, "ben", "week2", 14, "met"),
        checkin(4, "ana", "monthly", 30),
        checkin(5, "ben", "monthly", 30),
    ]
    assert not at_risk(history)


def test_feedback_questions_and_just_sent_check_ins_are_not_judged() -> None:
    history = [
        checkin(2, "ana", "week2", 14),
        NudgeRecord(9, "ana", "feedback", T0 + timedelta(days=20), expects_answer=False),
        checkin(4, "ana", "monthly", 30),
    ]
    assert at_risk(history)
    assert not at_risk(history, now=T0 + timedelta(days=31), grace=timedelta(days=3))
    assert at_risk(history, now=T0 + timedelta(days=34), grace=timedelta(days=3))


def test_at_risk_pairs_are_flagged_to_organisers_once() -> None:
    history = [checkin(2, "ana", "week2", 14), checkin(4, "ana", "monthly", 30)]
    actions = unanswered_actions(history, already_at_risk=False)
    assert isinstance(actions[0], MarkAtRisk)
    assert [n.reason for n in notices(actions)] == ["at_risk"]
    assert unanswered_actions(history, already_at_risk=True) == []
    assert unanswered_actions(history[:1], already_at_risk=False) == []
