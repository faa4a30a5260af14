"""What happens when someone answers a check-in: the pure follow-up rules.

Check-in buttons carry an answer and the nudge id (``cogs.nudges`` builds and parses their custom_id). The rules:
- "We've met" — recorded.
- "Not yet" — recorded; the second check-in (since they last said they had met) answered "not yet" tells
  the organisers, with the pair's history.
- "We need help" — recorded and the organisers are told at once.
- "End this match" — recorded; the partner is asked to confirm, and the organisers are told. The partner's
  "confirm_end" ends the match; "keep" tells the organisers the two disagree.
- Any answer clears the pair's "at risk" mark. No answer to the last two check-ins makes the pair
  "at risk" (:func:`at_risk`, :func:`unanswered_actions`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, get_args

from bot.nudges.config import step_label
from bot.voice import CheckinButtons

__all__ = [
    "CHECKIN_BUTTONS",
    "END_CONFIRM_BUTTONS",
    "Action",
    "AnswerRejected",
    "AskPartnerToConfirmEnd",
    "ButtonAnswer",
    "ClearAtRisk",
    "EndMatch",
    "EndReply",
    "MarkAtRisk",
    "NotifyOrganisers",
    "NudgeAnswer",
    "NudgeButton",
    "NudgeRecord",
    "OrganiserReason",
    "RecordAnswer",
    "at_risk",
    "follow_up",
    "history_summary",
    "unanswered_actions",
]

NudgeAnswer = Literal["met", "not_yet", "help", "end"]
EndReply = Literal["confirm_end", "keep"]
ButtonAnswer = Literal["met", "not_yet", "help", "end", "confirm_end", "keep"]
OrganiserReason = Literal["not_yet_twice", "help", "end_requested", "match_ended", "end_declined", "at_risk"]

NUDGE_ANSWERS: tuple[str, ...] = get_args(NudgeAnswer)
BUTTON_ANSWERS: tuple[str, ...] = get_args(ButtonAnswer)
_NUDGE_ANSWER: dict[str, NudgeAnswer] = {"met": "met", "not_yet": "not_yet", "help": "help", "end": "end"}


@dataclass(frozen=True, slots=True)
class NudgeButton:
    """A check-in button: its answer and look (its label is the programme's: ``Voice.checkin_buttons``)."""

    answer: ButtonAnswer
    #: discord.ButtonStyle name for the cog: primary | secondary | success | danger
    style: Literal["primary", "secondary", "success", "danger"]


CHECKIN_BUTTONS: tuple[NudgeButton, ...] = (
    NudgeButton("met", "success"),
    NudgeButton("not_yet", "secondary"),
    NudgeButton("help", "primary"),
    NudgeButton("end", "danger"),
)
END_CONFIRM_BUTTONS: tuple[NudgeButton, ...] = (
    NudgeButton("confirm_end", "danger"),
    NudgeButton("keep", "secondary"),
)


@dataclass(frozen=True, slots=True)
class NudgeRecord:
    """One nudge already sent to one person of the pair, and their answer so far.

    Nudges with the same (step_key, occurrence) went to both people at about the same time: together
    they are one check-in, answered when either person answered. ``expects_answer`` is false for nudges
    without buttons (feedback questions, plain messages); those never count as unanswered.
    """

    nudge_id: int
    person_key: str
    step_key: str
    sent_at: datetime
    answer: NudgeAnswer | None = None
    occurrence: int = 1
    expects_answer: bool = True


@dataclass(frozen=True, slots=True)
class RecordAnswer:
    nudge_id: int
    answer: NudgeAnswer


@dataclass(frozen=True, slots=True)
class NotifyOrganisers:
    reason: OrganiserReason
    message: str
    urgent: bool
    #: The pair's history including this answer, oldest first (render with :func:`history_summary`).
    history: tuple[NudgeRecord, ...]


@dataclass(frozen=True, slots=True)
class AskPartnerToConfirmEnd:
    """Send ``partner_key`` the END_CONFIRM_BUTTONS with custom_ids for ``nudge_id``."""

    partner_key: str
    requested_by: str
    nudge_id: int


@dataclass(frozen=True, slots=True)
class EndMatch:
    requested_by: str
    confirmed_by: str


@dataclass(frozen=True, slots=True)
class MarkAtRisk:
    reason: str


@dataclass(frozen=True, slots=True)
class ClearAtRisk:
    pass


Action = RecordAnswer | NotifyOrganisers | AskPartnerToConfirmEnd | EndMatch | MarkAtRisk | ClearAtRisk


RejectReason = Literal["not_yours", "partner_only", "no_end_request"]


class AnswerRejected(ValueError):
    """The click cannot be accepted (someone else's button, nothing to confirm); the message says why, and
    ``reason`` names it for the words a programme answers with (``[checkin_words]``)."""

    def __init__(self, message: str, reason: RejectReason) -> None:
        super().__init__(message)
        self.reason: RejectReason = reason


_Occasion = tuple[str, int]


def _occasions(history: Sequence[NudgeRecord]) -> list[tuple[_Occasion, list[NudgeRecord]]]:
    """Check-ins expecting an answer, grouped per (step, occurrence), oldest first."""
    groups: dict[_Occasion, list[NudgeRecord]] = {}
    for rec in history:
        if rec.expects_answer:
            groups.setdefault((rec.step_key, rec.occurrence), []).append(rec)
    return sorted(groups.items(), key=lambda kv: (min(r.sent_at for r in kv[1]), kv[0]))


def at_risk(history: Sequence[NudgeRecord], *, now: datetime | None = None, grace: timedelta = timedelta(0)) -> bool:
    """True when nobody answered either of the pair's last two check-ins.

    With ``now``, check-ins sent less than ``grace`` ago are not judged yet (they are left out).
    """
    records = [r for r in history if now is None or r.sent_at <= now - grace]
    occasions = _occasions(records)
    if len(occasions) < 2:
        return False
    return all(all(r.answer is None for r in recs) for _key, recs in occasions[-2:])


def history_summary(history: Sequence[NudgeRecord], names: Mapping[str, str] | None = None,
                    labels: CheckinButtons | None = None) -> str:
    """One line per nudge, oldest first, e.g. ``2026-03-04 Day 3: have you met? → ana: not yet`` (``names``:
    each step key's human name; a key without one is shown in words; ``labels``: the programme's buttons)."""
    labels = labels or CheckinButtons()
    lines = []
    for rec in sorted(history, key=lambda r: (r.sent_at, r.person_key, r.nudge_id)):
        answer = "no answer" if rec.answer is None else labels.label(rec.answer).lower()
        if not rec.expects_answer:
            answer = "(no buttons)"
        step = (names or {}).get(rec.step_key) or step_label(rec.step_key)
        lines.append(f"{rec.sent_at:%Y-%m-%d} {step} → {rec.person_key}: {answer}")
    return "\n".join(lines)


def _partner(pair: tuple[str, str], person: str) -> str:
    if person not in pair:
        raise AnswerRejected(f"{person!r} is not in this match", "not_yours")
    return pair[1] if pair[0] == person else pair[0]


def follow_up(
    history: Sequence[NudgeRecord], *, nudge_id: int, answer: ButtonAnswer, by: str, pair: tuple[str, str],
    not_yet_escalate_after: int = 2,
) -> list[Action]:
    """The actions to take for ``by`` pressing ``answer`` on nudge ``nudge_id``, in order.

    ``history`` is every nudge of the pair sent so far (answers as stored before this click); ``pair`` the
    two people. ``not_yet_escalate_after`` "not yet" answers in a row tell the organisers (0: never — a
    programme that asks for patience). Pressing the same answer again returns no actions. Raises :class:`LookupError` for a nudge
    not in ``history`` and :class:`AnswerRejected` for a click that is not ``by``'s to make.
    """
    record = next((r for r in history if r.nudge_id == nudge_id), None)
    if record is None:
        raise LookupError(f"nudge {nudge_id} is not in this pair's history")
    partner = _partner(pair, record.person_key)

    if answer in ("confirm_end", "keep"):
        if by != partner:
            raise AnswerRejected("only the partner of the person who asked to end the match can answer this",
                                 "partner_only")
        if record.answer != "end":
            raise AnswerRejected("there is no request to end this match any more", "no_end_request")
        full = tuple(sorted(history, key=lambda r: (r.sent_at, r.nudge_id)))
        if answer == "confirm_end":
            return [
                EndMatch(requested_by=record.person_key, confirmed_by=by),
                NotifyOrganisers(
                    "match_ended", f"{record.person_key} and {by} agreed to end their match.", False, full
                ),
            ]
        return [
            NotifyOrganisers(
                "end_declined",
                f"{record.person_key} asked to end the match but {by} would like to keep going.",
                True,
                full,
            )
        ]

    if by != record.person_key:
        raise AnswerRejected("this check-in was sent to someone else", "not_yours")
    if record.answer == answer:
        return []
    new_answer = _NUDGE_ANSWER[answer]
    updated = [replace(r, answer=new_answer) if r.nudge_id == nudge_id else r for r in history]
    full = tuple(sorted(updated, key=lambda r: (r.sent_at, r.nudge_id)))
    actions: list[Action] = [RecordAnswer(nudge_id, new_answer), ClearAtRisk()]

    if new_answer == "help":
        actions.append(
            NotifyOrganisers("help", f"{by} (paired with {partner}) asked for help.", True, full)
        )
    elif new_answer == "end":
        actions.append(AskPartnerToConfirmEnd(partner_key=partner, requested_by=by, nudge_id=nudge_id))
        actions.append(
            NotifyOrganisers(
                "end_requested", f"{by} asked to end the match with {partner}; waiting for {partner}.", False, full
            )
        )
    elif new_answer == "not_yet":
        notice = _not_yet_notice(history, updated, record, by, partner, full, not_yet_escalate_after)
        if notice is not None:
            actions.append(notice)
    return actions


def _not_yet_notice(
    before: Sequence[NudgeRecord],
    after: Sequence[NudgeRecord],
    record: NudgeRecord,
    by: str,
    partner: str,
    full: tuple[NudgeRecord, ...],
    threshold: int,
) -> NotifyOrganisers | None:
    if threshold == 0:
        return None  # this programme never chases a "not yet"
    this = (record.step_key, record.occurrence)
    if any(r.answer == "not_yet" for key, recs in _occasions(before) if key == this for r in recs):
        return None  # this check-in already counted as "not yet" (the partner said so first)
    occasions = _occasions(after)
    last_met = max(
        (i for i, (_key, recs) in enumerate(occasions) if any(r.answer == "met" for r in recs)), default=-1
    )
    since = occasions[last_met + 1 :]
    if this not in [key for key, _recs in since]:
        return None  # an old check-in answered late, after they said they had met
    count = sum(1 for _key, recs in since if any(r.answer == "not_yet" for r in recs))
    if count < threshold:
        return None
    return NotifyOrganisers(
        "not_yet_twice",
        f"{by} and {partner} have answered \"not yet\" to {count} check-ins in a row without meeting.",
        True,
        full,
    )


def unanswered_actions(
    history: Sequence[NudgeRecord],
    *,
    already_at_risk: bool,
    now: datetime | None = None,
    grace: timedelta = timedelta(0),
) -> list[Action]:
    """Run when a check-in is sent (or periodically): mark the pair at risk and tell the organisers, once."""
    if already_at_risk or not at_risk(history, now=now, grace=grace):
        return []
    records = tuple(sorted(history, key=lambda r: (r.sent_at, r.nudge_id)))
    people = sorted({r.person_key for r in history})
    return [
        MarkAtRisk("no answer to the last two check-ins"),
        NotifyOrganisers(
            "at_risk", f"No answer from {' and '.join(people)} to the last two check-ins.", False, records
        ),
    ]
