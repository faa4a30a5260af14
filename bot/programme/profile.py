"""One typed profile per programme: answers → the engine's person, the programme's CSV row, and back.

:class:`ProgrammeSpec` is a programme's questions plus its compiled matching declaration. Everything that
turns a person's answers into something else goes through it: the matcher (:meth:`person`), ``/export``
(:meth:`record`), ``/import`` and the offline CLI (:meth:`answers_from_cells`, :meth:`read_csv`). The CSV
columns are ``id, name``, the programme's question keys in order (consent left out), then ``previous``; for
#EduMentoring that is exactly the MATCHING.md header.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from bot.matching.config import MatchingConfig
from bot.matching.csvio import RowError
from bot.matching.model import ROLES, Person, person_problems, zone_or_none
from bot.onboarding.profile import is_active
from bot.onboarding.questions import PRESETS, Question, QuestionsConfig, build_questions
from bot.onboarding.safe_text import clean_input
from bot.onboarding.validate import AnswerValue, check_value
from bot.programme.criteria import Compiled, MatchingDeclaration, apply_overrides, compile_matching

ID_COLUMNS = ("id", "name")
PREVIOUS = "previous"


@cache
def preset_declaration(name: str) -> MatchingDeclaration:
    """The ``[matching]`` table of a shipped preset."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    text = resources.files("bot.onboarding").joinpath("presets", f"{name}.toml").read_text(encoding="utf-8")
    return MatchingDeclaration.model_validate(tomllib.loads(text).get("matching", {}))


@cache
def preset_space_per(name: str) -> str:
    """A shipped preset's private spaces: ``pair`` (one per pair) or ``mentor`` (a pod per mentor), from its
    ``[spaces]`` table."""
    if name not in PRESETS:
        return "pair"
    text = resources.files("bot.onboarding").joinpath("presets", f"{name}.toml").read_text(encoding="utf-8")
    per = str(tomllib.loads(text).get("spaces", {}).get("per", "pair"))
    if per not in ("pair", "mentor"):
        raise ValueError(f"preset {name!r}: spaces.per must be pair or mentor, not {per!r}")
    return per


def split_cell(cell: str) -> list[str]:
    out: list[str] = []
    for part in cell.split(";"):
        value = part.strip().lower()
        if value and value not in out:
            out.append(value)
    return out


def _set(value: object) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(str(v).strip().lower() for v in value if str(v).strip())
    return frozenset({str(value).strip().lower()})


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return ";".join(i for i in (clean_input(str(v)).replace(";", ",") for v in value) if i)
    return clean_input(str(value))


@dataclass(frozen=True)
class ProgrammeSpec:
    """A programme as data: its questions and its matching criteria compiled for the engine."""

    preset: str
    questions: tuple[Question, ...]
    compiled: Compiled

    @property
    def matching(self) -> MatchingConfig:
        return self.compiled.config

    @property
    def columns(self) -> tuple[str, ...]:
        """The programme's people CSV header."""
        return (*ID_COLUMNS, *(q.key for q in self.questions if q.kind != "consent"), PREVIOUS)

    def _slot(self, answers: Mapping[str, Any], slot: str) -> Any:
        key = self.compiled.slots.get(slot)
        return answers.get(key) if key else None

    # ---- typed profile -----------------------------------------------------------------------------------
    def person(self, answers: Mapping[str, Any], *, person_id: str, name: str = "",
               previous: Iterable[str] = ()) -> Person:
        """The engine's view of one person's answers (keyed by question), in the programme's own values."""
        cfg = self.matching
        stage = self._slot(answers, "stage")
        capacity = self._slot(answers, "capacity")
        role = str(self._slot(answers, "role") or "mentee")
        if role == self.compiled.checkin_role:
            role = "mentee"  # the receiving side of a check-in (see :meth:`relationship`)
        return Person(
            id=person_id, role=role, name=name,
            phase=_set(self._slot(answers, "phase")), subjects=_set(self._slot(answers, "subjects")),
            stage=str(stage) if isinstance(stage, str) and stage else cfg.stage_scale[0],
            timezone=str(self._slot(answers, "timezone") or "UTC"),
            availability=_set(self._slot(answers, "availability")), goals=_set(self._slot(answers, "goals")),
            # an answer stored under an older config is brought inside today's bounds: matching never fails on it
            capacity=cfg.capacity_within(capacity) if isinstance(capacity, int) and not isinstance(capacity, bool)
            else 1,
            organisation=str(self._slot(answers, "organisation") or "").strip(),
            previous=frozenset(str(p) for p in previous),
            extra={k: v for k, v in answers.items() if k != "consent"},
        )

    def relationship(self, answers: Mapping[str, Any]) -> str:
        """``check-in`` for people who asked for the programme's lighter check-ins, else ``mentoring``."""
        role = self._slot(answers, "role")
        return "check-in" if role is not None and role == self.compiled.checkin_role else "mentoring"

    def eligibility_problem(self, answers: Mapping[str, Any]) -> str | None:
        """Why these answers put the person outside the programme, kindly (None: eligible)."""
        for q in self.questions:
            if q.key in answers and is_active(q, answers):
                problem = q.eligibility_problem(answers[q.key])
                if problem:
                    return problem
        return None

    # ---- CSV ---------------------------------------------------------------------------------------------
    def record(self, answers: Mapping[str, Any], *, person_id: str, name: str,
               previous: Iterable[str] = ()) -> dict[str, str]:
        """One row of the programme's people CSV (capacity is left empty for mentees)."""
        row = {c: "" for c in self.columns}
        for q in self.questions:
            if q.kind != "consent" and q.key in answers and is_active(q, answers):
                row[q.key] = _cell(answers[q.key])
        cap_key = self.compiled.slots.get("capacity")
        if cap_key and self._slot(answers, "role") == "mentee":
            row[cap_key] = ""
        row["id"], row["name"] = clean_input(person_id), clean_input(name)
        row[PREVIOUS] = _cell(list(previous))
        return row

    def answers_from_cells(self, cells: Mapping[str, str]) -> tuple[dict[str, AnswerValue], list[str]]:
        """A CSV row's cells → answers keyed by question, and what is wrong with them. A column is found by
        the question's key, else by its ``profile_field`` (MATCHING.md's name)."""
        problems: list[str] = []
        answers: dict[str, AnswerValue] = {}
        role_key = self.compiled.slots["role"]
        role_col = role_key if role_key in cells else "role"
        role = cells.get(role_col, "").strip().lower()
        roles = (*ROLES, self.compiled.checkin_role) if self.compiled.checkin_role else ROLES
        if role not in roles:
            problems.append(f"role {role or '(empty)'!r} is not one of {', '.join(roles)}")
        for q in self.questions:
            column = q.key if q.key in cells else q.profile_field
            if q.kind == "consent" or column is None or column not in cells or column in (*ID_COLUMNS, PREVIOUS):
                continue
            if not is_active(q, answers):
                continue
            value, problem = _cell_value(q, column, cells[column].strip())
            if problem:
                problems.append(problem)
                continue
            if value in (None, "", []) and not q.required:
                continue
            problem = check_value(q, value)
            if problem:
                problems.append(f"{column}: {problem}")
                continue
            answers[q.key] = value
        return answers, problems

    def read_csv(self, text: str) -> tuple[list[Person], list[RowError]]:
        """The offline matcher's reader: each bad row reported with its line and reason, the rest kept."""
        text = text.lstrip("\ufeff")
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            return [], [RowError(1, "the file is empty")]
        if "id" not in header:
            return [], [RowError(1, f"missing column: id (expected: {','.join(self.columns)})")]
        people: list[Person] = []
        errors: list[RowError] = []
        seen: dict[str, int] = {}
        last = reader.line_num
        for raw in reader:
            line, last = last + 1, reader.line_num
            if not any(v.strip() for v in raw):
                continue
            if len(raw) > len(header) and any(v.strip() for v in raw[len(header):]):
                errors.append(RowError(line, f"{len(raw)} values for {len(header)} columns"))
                continue
            cells = {n: (raw[i] if i < len(raw) else "") for i, n in enumerate(header) if n}
            pid = cells.get("id", "").strip()
            answers, problems = self.answers_from_cells(cells)
            if not pid:
                problems.insert(0, "empty id")
            elif pid in seen:
                problems.append(f"duplicate id {pid!r} (first on line {seen[pid]})")
            eligibility = self.eligibility_problem(answers)
            if eligibility:
                problems.append(f"not eligible: {eligibility}")
            person = self.person(answers, person_id=pid, name=cells.get("name", "").strip(),
                                 previous=[v.strip() for v in cells.get(PREVIOUS, "").split(";") if v.strip()])
            if not problems:
                problems = person_problems(person, self.matching)
            if problems:
                errors.append(RowError(line, "; ".join(problems)))
                continue
            seen[pid] = line
            people.append(person)
        return people, errors


def _cell_value(question: Question, column: str, raw: str) -> tuple[AnswerValue, str | None]:
    allowed = ", ".join(o.value for o in question.options)
    if question.kind == "multi":
        values = split_cell(raw)
        bad = [v for v in values if question.option(v) is None]
        if bad:
            return None, f"{column}: unknown value(s) {', '.join(bad)} (allowed: {allowed[:300]})"
        return [o.value for o in question.options if o.value in values], None
    if question.kind == "single":
        value = raw.lower()
        if value and question.option(value) is None:
            return None, f"{column}: {raw!r} is not one of {allowed[:300]}"
        return value or None, None
    if question.kind == "number":
        if not raw:
            return None, None
        try:
            number = int(raw)
        except ValueError:
            return None, f"{column}: {raw!r} is not a whole number"
        lo, hi = question.min_value, question.max_value
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            return None, f"{column}: {number} is not between {lo} and {hi}"
        return number, None
    if question.kind == "timezone":
        if raw and zone_or_none(raw) is None:
            return None, f"{column}: {raw!r} is not an IANA time zone (e.g. Europe/London)"
        return raw or None, None
    if question.kind == "text":
        return raw[: question.max_length], None
    return None, None


def build_spec(questions_cfg: QuestionsConfig, declaration: MatchingDeclaration | None = None,
               overrides: MatchingConfig | None = None) -> ProgrammeSpec:
    """A programme's spec: its questions, its declaration (the preset's unless given) compiled, then the
    ``[programme.matching]`` values that differ from the defaults laid over it."""
    questions = build_questions(questions_cfg)
    decl = declaration if declaration is not None else preset_declaration(questions_cfg.preset)
    compiled = compile_matching(questions, decl)
    if overrides is not None:
        compiled = Compiled(apply_overrides(compiled.config, overrides), compiled.slots, compiled.checkin_role)
    return ProgrammeSpec(questions_cfg.preset, tuple(questions), compiled)


def preset_spec(name: str) -> ProgrammeSpec:
    """The spec of a shipped preset, unchanged."""
    return build_spec(QuestionsConfig(preset=name))
