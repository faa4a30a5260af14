"""Goals and their progress: cleaning what a mentee typed, the words and marks for each state, and the totals
(per pair and for the programme) that ``/goals overview``, the stats and the outcomes report show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.onboarding.safe_text import clean_input, safe_text

if TYPE_CHECKING:
    from bot.voice.words.goals import GoalWords

MAX_GOALS = 3
GOAL_LENGTH = 150


def goal_field(number: int) -> str:
    """The custom_id of the goals form's field for goal ``number`` (fixed: what fills the form in finds each
    field whatever the programme calls it)."""
    return f"goal{number}"
#: every state, in the order a check-in offers them, with the neutral words (a programme's own are its
#: :class:`~bot.voice.GoalWords`)
PROGRESS: dict[str, str] = {
    "not_started": "Not started", "under_way": "Under way", "achieved": "Achieved", "changed": "Changed",
}
MARKS = {"not_started": "⚪", "under_way": "🟡", "achieved": "✅", "changed": "🔄"}


def progress_label(progress: str, *, mark: bool = True, labels: Mapping[str, str] = PROGRESS) -> str:
    """``🟡 Under way``: the state's mark and its words (``labels``: the programme's, by state)."""
    words = labels.get(progress, progress)
    return f"{MARKS.get(progress, '')} {words}".strip() if mark else words


def clean_goals(texts: Iterable[str | None]) -> list[str]:
    """What was typed, as goals: trimmed, one line each, at most :data:`GOAL_LENGTH` characters, empty ones
    and repeats (ignoring case) dropped, at most :data:`MAX_GOALS`."""
    out: list[str] = []
    for raw in texts:
        text = " ".join(clean_input(raw or "").split())[:GOAL_LENGTH].strip()
        if text and text.casefold() not in (g.casefold() for g in out):
            out.append(text)
    return out[:MAX_GOALS]


class GoalLike(Protocol):
    """A goal row or view: what a check-in shows of it."""

    @property
    def position(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def progress(self) -> str: ...


@dataclass(frozen=True)
class GoalView:
    """One goal as people see it."""

    goal_id: int
    position: int
    text: str
    progress: str
    progress_at: datetime | None = None


@dataclass(frozen=True)
class PairGoals:
    """A pair and their goals (empty: not set yet)."""

    match_id: int
    programme_id: int
    mentor_name: str
    mentee_name: str
    mentor_discord_id: int | None
    mentee_discord_id: int | None
    active: bool
    space_id: int | None
    goals: tuple[GoalView, ...] = ()
    cohort_round_id: int | None = None

    @property
    def counts(self) -> Counter[str]:
        return Counter(g.progress for g in self.goals)


@dataclass(frozen=True)
class GoalTotals:
    """The programme's goals in aggregate (no one named): how many pairs set goals, and where the goals stand."""

    pairs: int
    pairs_with_goals: int
    goals: int
    by_progress: dict[str, int] = field(default_factory=dict)

    @property
    def achieved(self) -> int:
        return self.by_progress.get("achieved", 0)

    @property
    def pairs_with_achievement(self) -> int:
        return self.by_progress.get("pairs_achieved", 0)

    def share(self, progress: str) -> float | None:
        return self.by_progress.get(progress, 0) / self.goals if self.goals else None

    def line(self, words: GoalWords) -> str:
        """``7 goals in 3 of 4 pairs: ✅ Achieved 2 · 🟡 Under way 3 · …`` in the programme's words."""
        if not self.goals:
            return words.say("totals_none", pairs=words.count("pair", self.pairs))
        labels = words.progress_labels()
        states = " · ".join(f"{progress_label(p, labels=labels)} {self.by_progress.get(p, 0)}" for p in PROGRESS)
        return words.say("totals", goals=words.count("goal", self.goals), with_goals=self.pairs_with_goals,
                         pairs=words.count("pair", self.pairs), states=states)


def totals(pairs: Sequence[PairGoals]) -> GoalTotals:
    counts: Counter[str] = Counter()
    for pair in pairs:
        counts.update(pair.counts)
        if pair.counts.get("achieved"):
            counts["pairs_achieved"] += 1
    by_progress = {p: counts.get(p, 0) for p in PROGRESS} | {"pairs_achieved": counts.get("pairs_achieved", 0)}
    return GoalTotals(pairs=len(pairs), pairs_with_goals=sum(1 for p in pairs if p.goals),
                      goals=sum(len(p.goals) for p in pairs), by_progress=by_progress)


def goal_lines(goals: Sequence[GoalView], *, marks: bool = True, labels: Mapping[str, str] = PROGRESS) -> str:
    """``1. Plan a term of lessons — 🟡 Under way`` per goal (text made safe for Discord; ``labels``: the
    programme's words for each state)."""
    return "\n".join(f"{g.position}. {safe_text(g.text, GOAL_LENGTH)} — "
                     f"{progress_label(g.progress, mark=marks, labels=labels)}" for g in goals)


def checkin_goals(goals: Sequence[GoalLike], words: GoalWords) -> str:
    """The part of a check-in about the pair's goals (empty when they have none), in the programme's words: each
    goal and where it stands, and which button says how it is going. A batched check-in adds it per pair."""
    if not goals:
        return ""
    labels = words.progress_labels()
    lines = "\n".join(f"{g.position}. {safe_text(g.text, 80)} — {progress_label(str(g.progress), labels=labels)}"
                      for g in goals)
    return f"\n\n{words.checkin_heading}\n{lines}\n" + words.say("checkin_press", button=words.progress_button)
