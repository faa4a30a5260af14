"""The onboarding conversation as a pure state machine.

Every function takes the question list and a :class:`FlowState` and returns ``(new_state, step)``; the state
is small and JSON-serialisable (``state.model_dump_json()`` / ``FlowState.model_validate_json``), so a front
end stores it after every call and a restart continues where the person is (:func:`current_step`).
Functions never mutate their input state and never raise on user input.

Pass ``key=`` (the question a button/select belonged to) to :func:`answer` for component interactions: a
click on an old message then gives a polite :class:`Notice` instead of answering the wrong question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.onboarding.profile import active_answers, is_active, profile_from_answers, validate_profile
from bot.onboarding.questions import Question
from bot.onboarding.safe_text import safe_text
from bot.onboarding.validate import (
    NEUTRAL,
    AnswerValue,
    Choose,
    Invalid,
    Ok,
    Raw,
    canonical_raw,
    check_value,
    parse_answer,
    show_value,
)
from bot.voice import AnswerWords

SUMMARY = "summary"
DONE = "done"
HELP_AFTER_ATTEMPTS = 2


class FlowState(BaseModel):
    """Where one person is in onboarding. Store it as JSON after every step."""

    model_config = ConfigDict(extra="ignore")

    version: Literal[1] = 1
    current: str = ""  # a question key, "summary" or "done"
    answers: dict[str, AnswerValue] = Field(default_factory=dict)
    pending_choices: list[str] = Field(default_factory=list)  # time zones offered for the current question
    changing: bool = False  # reached the current question via "Change an answer"
    attempts: int = 0  # wrong answers to the current question so far
    suggestions: dict[str, AnswerValue] = Field(default_factory=dict)  # prefilled, e.g. from a hashtag post
    suggestions_from: Literal["post", "import"] = "post"  # a hashtag post, or the organisers' spreadsheet
    consent_at: str | None = None  # ISO-8601 UTC time of the confirmation that recorded consent


@dataclass(frozen=True)
class AskQuestion:
    question: Question
    reask_reason: str | None = None  # why the last answer was refused (plain text, safe to show)
    suggestion: AnswerValue = None  # a prefilled value the person can accept or override
    suggestion_shown: str | None = None  # safe_text of the suggestion
    suggestion_raw: Raw | None = None  # pass this to answer() to accept the suggestion
    suggestion_from: str = "post"  # where the suggestion came from: "post" or "import"
    choices: list[str] = field(default_factory=list)  # time-zone choices (IANA) to offer as buttons/select
    current_shown: str | None = None  # the existing answer when changing it (safe_text)
    ack: str | None = None  # how the previous answer was understood, e.g. "Time zone: Europe/London (UTC+1 today)"
    number: int = 1  # position among the questions that apply
    total: int = 1  # questions that apply, counting those whose condition is not yet decided
    total_may_shrink: bool = False  # some counted question may stop applying after a later answer


@dataclass(frozen=True)
class ShowSummary:
    lines: list[tuple[str, str]]  # (label, shown value), values already made safe with safe_text
    keys: list[str]  # question keys, parallel to ``lines`` — the "Change an answer" choices
    can_confirm: bool = True
    blocked_reason: str | None = None
    ack: str | None = None
    #: the label of a required consent question answered "no" (the reason it cannot be confirmed, said in the
    #: programme's voice: ``interview.consent_refused``); ``blocked_reason`` is then None
    consent_refused: str | None = None


@dataclass(frozen=True)
class Done:
    answers: dict[str, AnswerValue]  # by question key
    profile: dict[str, AnswerValue]  # by profile field (see profile.to_match_record)
    consent_at: datetime


@dataclass(frozen=True)
class Notice:
    """Nothing changed; tell the person why (stale button, finished already, unknown question...)."""

    message: str


Step = AskQuestion | ShowSummary | Done | Notice


def _by_key(questions: list[Question]) -> dict[str, Question]:
    return {q.key: q for q in questions}


def _next_key(questions: list[Question], answers: dict[str, AnswerValue]) -> str:
    for q in questions:
        if is_active(q, answers) and q.key not in answers:
            return q.key
    return SUMMARY


def normalise(questions: list[Question], state: FlowState) -> FlowState:
    """Drop answers that are unknown, invalid or no longer apply, and point ``current`` somewhere real
    (e.g. after the programme's questions changed between restarts)."""
    by_key = _by_key(questions)
    clean = {k: v for k, v in state.answers.items() if k in by_key and check_value(by_key[k], v) is None}
    answers = active_answers(questions, clean)
    current = state.current
    if current == DONE and not validate_profile(questions, answers):
        return state.model_copy(update={"answers": answers})
    valid_current = current in by_key and is_active(by_key[current], answers)
    if not valid_current or (current in answers and not state.changing):
        current = _next_key(questions, answers)
    update: dict[str, object] = {"answers": answers, "current": current}
    if current != state.current:
        update.update(pending_choices=[], attempts=0, changing=state.changing and current != SUMMARY)
    return state.model_copy(update=update)


def _ask(questions: list[Question], state: FlowState, *, reason: str | None = None,
         ack: str | None = None, today: date | None = None) -> AskQuestion:
    q = _by_key(questions)[state.current]
    undecided = [x.key for x in questions if _undecided(x, state.answers)]
    applicable = [x.key for x in questions
                  if is_active(x, state.answers) or x.key == q.key or x.key in undecided]
    suggestion: AnswerValue = None
    shown = raw = None
    if q.key in state.suggestions and q.key not in state.answers:
        candidate = state.suggestions[q.key]
        if check_value(q, candidate) is None and candidate not in (None, "", []):
            suggestion = candidate
            shown = safe_text(show_value(q, candidate, today), 300)
            raw = canonical_raw(q, candidate)
    current_shown = None
    if state.changing and q.key in state.answers:
        current_shown = safe_text(show_value(q, state.answers[q.key], today), 300)
    if reason and state.attempts >= HELP_AFTER_ATTEMPTS and q.help:
        reason = f"{reason} {q.help}"
    return AskQuestion(
        question=q, reask_reason=reason, suggestion=suggestion, suggestion_shown=shown, suggestion_raw=raw,
        suggestion_from=state.suggestions_from, choices=list(state.pending_choices),
        current_shown=current_shown,
        ack=ack, number=applicable.index(q.key) + 1, total=len(applicable),
        total_may_shrink=bool(undecided),
    )


def _undecided(q: Question, answers: dict[str, AnswerValue]) -> bool:
    """``q`` depends on a question not answered yet, so it may still apply (it is counted, and the
    count never grows between "Question 1 of N" and the end)."""
    return q.depends_on is not None and q.depends_on.key not in answers


def _summary(questions: list[Question], state: FlowState, *, ack: str | None = None,
             today: date | None = None, words: AnswerWords = NEUTRAL) -> ShowSummary:
    lines: list[tuple[str, str]] = []
    keys: list[str] = []
    blocked: str | None = None
    refused: str | None = None
    for q in questions:
        if q.key in state.answers and is_active(q, state.answers):
            value = state.answers[q.key]
            lines.append((q.display_label, safe_text(show_value(q, value, today), 300, one_line=False)))
            keys.append(q.key)
            if q.kind == "consent" and q.required and value is not True and blocked is None and refused is None:
                refused = q.display_label
            if blocked is None and refused is None:
                blocked = q.eligibility_problem(value)
    problems = validate_profile(questions, state.answers)
    if problems and blocked is None and refused is None:
        blocked = words.say("another_look", problems="; ".join(problems))
    return ShowSummary(lines=lines, keys=keys, can_confirm=not problems, blocked_reason=blocked, ack=ack,
                       consent_refused=refused)


def current_step(questions: list[Question], state: FlowState, *, today: date | None = None,
                 words: AnswerWords = NEUTRAL) -> Step:
    """What to show now for a stored state (after a restart, or to re-render)."""
    state = normalise(questions, state)
    if state.current == DONE:
        return Notice(words.finished)
    if state.current == SUMMARY:
        return _summary(questions, state, today=today, words=words)
    return _ask(questions, state, today=today)


def start(questions: list[Question], suggestions: dict[str, AnswerValue] | None = None, *,
          today: date | None = None, suggestions_from: Literal["post", "import"] = "post") -> tuple[FlowState, Step]:
    """A fresh conversation (optionally with prefilled suggestions, from a post or an organiser's import)."""
    state = normalise(questions, FlowState(suggestions=dict(suggestions or {}), suggestions_from=suggestions_from))
    return state, current_step(questions, state, today=today)


def answer(questions: list[Question], state: FlowState, raw: object, *, key: str | None = None,
           today: date | None = None, words: AnswerWords = NEUTRAL) -> tuple[FlowState, Step]:
    """Apply one answer to the current question (or to ``key``, which must be the current question)."""
    state = normalise(questions, state)
    by_key = _by_key(questions)
    if state.current == DONE:
        return state, Notice(words.finished_short)
    if key is not None and key != state.current:
        q = by_key.get(key)
        if q is not None and key in state.answers:
            parsed = parse_answer(q, raw, today=today, words=words)
            if isinstance(parsed, Ok) and parsed.value == state.answers[key]:
                return state, Notice(words.same_answer)
            return state, Notice(words.say("answered_before", question=q.display_label))
        return state, Notice(words.not_current)
    if state.current == SUMMARY:
        return state, Notice(words.all_answered)
    q = by_key[state.current]
    result = parse_answer(q, raw, pending=state.pending_choices, today=today, words=words)
    if isinstance(result, Invalid):
        state = state.model_copy(update={"attempts": state.attempts + 1})
        return state, _ask(questions, state, reason=result.message, today=today)
    if isinstance(result, Choose):
        state = state.model_copy(update={"pending_choices": result.choices[:25]})
        return state, _ask(questions, state, reason=result.message, today=today)
    answers = dict(state.answers)
    answers[q.key] = result.value
    answers = active_answers(questions, answers)
    nxt = _next_key(questions, answers)
    ack = f"{q.display_label}: {result.note}" if q.kind == "timezone" and result.note else None
    state = state.model_copy(update={
        "answers": answers, "current": nxt, "pending_choices": [], "attempts": 0,
        "changing": state.changing and nxt != SUMMARY,
    })
    if nxt == SUMMARY:
        return state, _summary(questions, state, ack=ack, today=today, words=words)
    return state, _ask(questions, state, ack=ack, today=today)


def change(questions: list[Question], state: FlowState, key: str, *,
           today: date | None = None, words: AnswerWords = NEUTRAL) -> tuple[FlowState, Step]:
    """Re-ask an answered question ("Change an answer"); afterwards the flow returns to the summary."""
    state = normalise(questions, state)
    q = _by_key(questions).get(key)
    if q is None or not is_active(q, state.answers):
        return state, Notice(words.no_such_question)
    if q.key not in state.answers and state.current != q.key:
        return state, Notice(words.in_order)
    state = state.model_copy(update={"current": key, "changing": True, "pending_choices": [], "attempts": 0})
    return state, _ask(questions, state, today=today)


def back_to_summary(questions: list[Question], state: FlowState, *,
                    today: date | None = None, words: AnswerWords = NEUTRAL) -> tuple[FlowState, Step]:
    """Cancel a change: keep the old answer and show the summary (or the next unanswered question)."""
    state = normalise(questions, state)
    if state.current == DONE or not state.changing or state.current not in state.answers:
        return state, current_step(questions, state, today=today, words=words)
    state = state.model_copy(update={"current": _next_key(questions, state.answers), "changing": False,
                                     "pending_choices": [], "attempts": 0})
    return state, current_step(questions, state, today=today, words=words)


def confirm(questions: list[Question], state: FlowState, now: datetime, *,
            today: date | None = None, words: AnswerWords = NEUTRAL) -> tuple[FlowState, Step]:
    """Confirm the summary. Refused (summary with ``can_confirm=False``) without consent; records its time."""
    if now.tzinfo is None:
        raise ValueError("confirm() needs a timezone-aware time")
    state = normalise(questions, state)
    if state.current == DONE:
        return state, Notice(words.already_confirmed)
    if state.current != SUMMARY:
        return state, Notice(words.questions_left)
    summary = _summary(questions, state, today=today, words=words)
    if not summary.can_confirm:
        return state, summary
    state = state.model_copy(update={"current": DONE, "changing": False, "consent_at": now.isoformat()})
    return state, Done(answers=dict(state.answers), profile=profile_from_answers(questions, state.answers),
                       consent_at=now)
