"""Property: whatever a person sends, in any order, the flow never crashes and never stores an invalid profile."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.onboarding.flow import (
    AskQuestion,
    Done,
    FlowState,
    Notice,
    ShowSummary,
    answer,
    back_to_summary,
    change,
    confirm,
    start,
)
from bot.onboarding.profile import is_active, to_match_record, validate_profile
from bot.onboarding.questions import PRESETS, Question, QuestionsConfig, build_questions
from bot.onboarding.validate import check_value

QUESTIONS = {p: build_questions(QuestionsConfig(preset=p)) for p in PRESETS}
ALL_KEYS = sorted({q.key for qs in QUESTIONS.values() for q in qs})
WORDS = sorted({w for qs in QUESTIONS.values() for q in qs for o in q.options for w in (o.value, o.label)})
TZ_INPUTS = ["London", "USA", "IST", "GMT+1", "Lagos", "Londn", "nowhere", "1", "2", "Europe/Paris", "UTC-13"]
NOW = datetime(2025, 9, 1, 9, 30, tzinfo=UTC)

raw_text = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(TZ_INPUTS),
    st.sampled_from(["yes", "no", "maybe", "", "skip", "0", "3", "6", "three", "-", "@everyone **x**"]),
    st.integers(-5, 30).map(str),
    st.text(max_size=60),
    st.text(min_size=100, max_size=600),
)
raw = st.one_of(raw_text, st.lists(st.sampled_from(WORDS), max_size=8), st.lists(st.text(max_size=10), max_size=3))


def _invariants(qs: list[Question], state: FlowState) -> None:
    by_key = {q.key: q for q in qs}
    for key, value in state.answers.items():
        assert key in by_key
        assert check_value(by_key[key], value) is None, (key, value)
        assert is_active(by_key[key], state.answers)
    assert state.current in by_key or state.current in ("summary", "done")
    assert FlowState.model_validate_json(state.model_dump_json()) == state
    if state.current == "done":
        assert validate_profile(qs, state.answers) == []
        assert state.consent_at is not None


def _valid(q: Question) -> st.SearchStrategy[object]:
    values = [o.value for o in q.options]
    if q.kind == "single":
        return st.sampled_from(values + [o.label for o in q.options])
    if q.kind == "multi":
        lo, hi = q.choice_range
        return st.lists(st.sampled_from(values), min_size=max(lo, 1), max_size=hi, unique=True)
    if q.kind == "number":
        return st.integers(q.min_value or 0, q.max_value or 0).map(str)
    if q.kind == "timezone":
        return st.sampled_from(["London", "Lagos", "UTC+2", "europe/paris", "Mumbai"])
    if q.kind == "text":
        return st.text(max_size=q.max_length)
    return st.sampled_from(["yes", "yes", "no"])


def _plausible(q: Question) -> st.SearchStrategy[object]:
    """Answers a person might give to ``q``: right, nearly right, or wrong."""
    values = [o.value for o in q.options] or ["yes", "no"]
    return st.one_of(
        st.sampled_from(values),
        st.lists(st.sampled_from(values), max_size=7),
        st.sampled_from(TZ_INPUTS),
        st.integers(-2, 8).map(str),
        raw,
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(preset=st.sampled_from(PRESETS), data=st.data(),
       suggestions=st.dictionaries(st.sampled_from(ALL_KEYS), st.one_of(st.text(max_size=10), st.integers(),
                                                                        st.lists(st.sampled_from(WORDS)))))
def test_random_answer_sequences_never_crash_or_store_invalid_profiles(
    preset: str, data: st.DataObject, suggestions: dict[str, object]
) -> None:
    qs = QUESTIONS[preset]
    by_key = {q.key: q for q in qs}
    state, step = start(qs, suggestions, today=date(2025, 3, 30))  # type: ignore[arg-type]
    for _ in range(data.draw(st.integers(0, 80))):
        kind = data.draw(st.sampled_from(["valid"] * 10 + ["current"] * 3 + ["any", "change", "confirm", "back"]))
        if kind == "valid" and state.current in by_key:
            state, step = answer(qs, state, data.draw(_valid(by_key[state.current])), key=state.current)
        elif kind == "valid":
            state, step = confirm(qs, state, NOW)
        elif kind == "current" and state.current in by_key:
            stale = data.draw(st.sampled_from([None, state.current, state.current, data.draw(st.sampled_from(ALL_KEYS))]))
            state, step = answer(qs, state, data.draw(_plausible(by_key[state.current])), key=stale)
        elif kind in ("current", "any"):
            state, step = answer(qs, state, data.draw(raw), key=data.draw(st.one_of(st.none(), st.sampled_from(ALL_KEYS))))
        elif kind == "change":
            state, step = change(qs, state, data.draw(st.sampled_from(ALL_KEYS)))
        elif kind == "confirm":
            state, step = confirm(qs, state, NOW)
        else:
            state, step = back_to_summary(qs, state)
        assert isinstance(step, AskQuestion | ShowSummary | Done | Notice)
        if isinstance(step, AskQuestion):
            assert step.question.key == state.current
        if isinstance(step, Done):
            assert validate_profile(qs, step.answers) == []
            assert all(v is True for k, v in step.answers.items() if k == "consent")
            record = to_match_record(step.profile, person_id="p1", name="Ada")
            assert record["role"] in {o.value for q in qs if q.key == "role" for o in q.options}
        state = FlowState.model_validate_json(state.model_dump_json())
        _invariants(qs, state)
    event(f"ended at {state.current if state.current in ('summary', 'done') else 'a question'}")


@settings(max_examples=60, deadline=None)
@given(preset=st.sampled_from(PRESETS), data=st.data())
def test_valid_option_answers_always_reach_a_confirmable_summary(preset: str, data: st.DataObject) -> None:
    qs = QUESTIONS[preset]
    state, step = start(qs)
    for _ in range(30):
        if not isinstance(step, AskQuestion):
            break
        q = step.question
        if q.kind == "single":  # (only values the programme is open to: others are refused kindly)
            value: object = data.draw(st.sampled_from(q.eligible or [o.value for o in q.options]))
        elif q.kind == "multi":
            lo, hi = q.choice_range
            value = data.draw(st.lists(st.sampled_from([o.value for o in q.options]), min_size=max(lo, 1),
                                       max_size=hi, unique=True))
        elif q.kind == "number":
            value = str(data.draw(st.integers(q.min_value or 0, q.max_value or 0)))
        elif q.kind == "timezone":
            value = data.draw(st.sampled_from(["London", "Lagos", "Toronto", "UTC+2", "Europe/Paris"]))
        elif q.kind == "text" and q.required:
            value = data.draw(st.sampled_from(["Leeds Libraries", "Oak Academy", "Harrogate Harriers"]))
        elif q.kind == "text":
            value = data.draw(st.text(max_size=q.max_length))
        else:
            value = "yes"
        state, step = answer(qs, state, value, key=q.key)
        assert not (isinstance(step, AskQuestion) and step.reask_reason and step.question.key != q.key)
    assert isinstance(step, ShowSummary) and step.can_confirm, step
    _, done = confirm(qs, state, NOW)
    assert isinstance(done, Done)
