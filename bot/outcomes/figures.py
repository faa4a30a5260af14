"""The outcomes of a round or a period, from survey answers (pure: no storage, no discord).

Every aggregate rests on at least :data:`MIN_RESPONDENTS` different people, or it is withheld ("too few answers
to show"), so no answer can be traced to a person: a measure's mean at baseline or at the end, a choice's
counts, a survey's response rate, its quotes and its rows in the anonymised CSV. Quotes are only of free text
its author agreed to have quoted. Respondents are pseudonyms (``R01`` …) drawn afresh for each report, the same
within it so baseline and end answers of one person can be paired without naming them.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.goals.progress import GoalTotals
from bot.surveys.config import SurveyConfig

MIN_RESPONDENTS = 5
WITHHELD = "too few answers to show"
CSV_COLUMNS = ("respondent", "role", "survey", "point", "question", "answer")
POINT_ORDER = {"start": 0, "day": 1, "end": 2}


@dataclass(frozen=True)
class Answer:
    """One stored answer, as the report reads it (``person_id`` never leaves this module)."""

    person_id: int
    role: str
    survey_key: str
    point: str
    question_key: str
    measure: str | None
    value_int: int | None
    value_text: str | None
    quote_ok: bool | None


@dataclass(frozen=True)
class Rate:
    survey_key: str
    title: str
    point: str
    sent: int
    responded: int

    @property
    def shown(self) -> bool:
        return self.responded >= MIN_RESPONDENTS

    @property
    def rate(self) -> float | None:
        return self.responded / self.sent if self.sent and self.shown else None


@dataclass(frozen=True)
class Measure:
    """A scale asked at the start and at the end (means over respondents; None when withheld)."""

    measure: str
    label: str
    low: int
    high: int
    baseline_n: int
    end_n: int
    baseline_mean: float | None
    end_mean: float | None
    asked_at_start: bool = True
    asked_at_end: bool = True

    @property
    def change(self) -> float | None:
        if self.baseline_mean is None or self.end_mean is None:
            return None
        return self.end_mean - self.baseline_mean


@dataclass(frozen=True)
class ChoiceCounts:
    survey_key: str
    question: str
    respondents: int
    counts: tuple[tuple[str, int], ...]  # (label, n), most chosen first; empty when withheld


@dataclass
class Outcomes:
    programme: str
    scope: str  # "Round 2", "1 Sep 2026 – 30 Nov 2026", "all time"
    generated_at: datetime
    rates: list[Rate] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    choices: list[ChoiceCounts] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    csv_rows: list[tuple[str, ...]] = field(default_factory=list)
    respondents: int = 0
    goals: GoalTotals | None = None  # None: not known (no goals feature) — see goals_shown

    @property
    def goals_shown(self) -> bool:
        """Goal progress rests on at least MIN_RESPONDENTS pairs that set goals."""
        return self.goals is not None and self.goals.pairs_with_goals >= MIN_RESPONDENTS

    @property
    def anything_shown(self) -> bool:
        return any(r.shown for r in self.rates) or any(m.baseline_mean is not None or m.end_mean is not None
                                                       for m in self.measures)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def build_outcomes(*, programme: str, scope: str, generated_at: datetime, surveys: Sequence[SurveyConfig],
                   answers: Iterable[Answer], sent: Mapping[str, int], rng: random.Random | None = None) -> Outcomes:
    """The report's figures. ``sent``: surveys sent, by survey key."""
    rows = list(answers)
    by_key = {s.key: s for s in surveys}
    out = Outcomes(programme, scope, generated_at)
    respondents: dict[str, set[int]] = defaultdict(set)
    for a in rows:
        if a.value_int is not None or a.value_text is not None:
            respondents[a.survey_key].add(a.person_id)
    out.respondents = len({p for people in respondents.values() for p in people})
    ordered = sorted(by_key.values(), key=lambda s: (POINT_ORDER.get(s.at, 9), s.key))
    for s in ordered:
        out.rates.append(Rate(s.key, s.title, s.at, sent.get(s.key, 0), len(respondents.get(s.key, set()))))
    shown_surveys = {k for k, people in respondents.items() if len(people) >= MIN_RESPONDENTS}

    # measures: one per scale measure asked at the start or at the end, each side over its respondents
    scales: dict[str, tuple[str, int, int]] = {}
    asked: dict[str, set[str]] = defaultdict(set)
    for s in ordered:
        for q in s.questions:
            if q.measure and s.at in ("start", "end"):
                label = q.measure.replace("_", " ").capitalize()
                scales.setdefault(q.measure, (label, q.low, q.high))
                asked[q.measure].add(s.at)
    for measure, (label, low, high) in scales.items():
        sides: dict[str, dict[int, int]] = {"start": {}, "end": {}}
        for a in rows:
            if a.measure == measure and a.value_int is not None and a.point in sides:
                sides[a.point][a.person_id] = a.value_int  # one value per person and side
        base, end = sides["start"], sides["end"]
        out.measures.append(Measure(
            measure, label, low, high, len(base), len(end),
            _mean(list(base.values())) if len(base) >= MIN_RESPONDENTS else None,
            _mean(list(end.values())) if len(end) >= MIN_RESPONDENTS else None,
            "start" in asked[measure], "end" in asked[measure]))

    # choices and quotes, survey by survey
    for s in ordered:
        for q in s.questions:
            picked = [a for a in rows if a.survey_key == s.key and a.question_key == q.key]
            people = {a.person_id for a in picked if a.value_text}
            if q.kind == "choice":
                counts: tuple[tuple[str, int], ...] = ()
                if len(people) >= MIN_RESPONDENTS:
                    tally = Counter(q.label_of(a.value_text) for a in picked if a.value_text)
                    counts = tuple(tally.most_common())
                out.choices.append(ChoiceCounts(s.key, q.prompt, len(people), counts))
            elif q.kind == "text" and s.key in shown_surveys:
                out.quotes += [a.value_text for a in picked if a.value_text and a.quote_ok]

    # the anonymised rows: surveys with enough respondents; free text only when it may be quoted
    people_in_csv = sorted({a.person_id for a in rows if a.survey_key in shown_surveys})
    (rng or random.SystemRandom()).shuffle(people_in_csv)
    alias = {pid: f"R{i:02d}" for i, pid in enumerate(people_in_csv, start=1)}
    for a in rows:
        survey = by_key.get(a.survey_key)
        if a.survey_key not in shown_surveys or survey is None:
            continue
        question = survey.question(a.question_key)
        if a.value_int is not None:
            value = str(a.value_int)
        elif a.value_text is None:
            value = ""  # skipped
        elif question is not None and question.kind == "choice":
            value = question.label_of(a.value_text)
        else:
            value = a.value_text if a.quote_ok else "(not for quoting)"
        out.csv_rows.append((alias[a.person_id], a.role, a.survey_key, a.point, a.question_key, value))
    out.csv_rows.sort(key=lambda r: (POINT_ORDER.get(r[3], 9), r[2], r[0], r[4]))
    return out
