"""Scores broken down by term, reasons in words, hard-rule checks of one pair, and why a mentee is unmatched."""

from __future__ import annotations

from datetime import date

import numpy as np

from bot.matching.config import CriterionConfig, MatchingConfig
from bot.matching.encode import Encoded, extra_number, extra_set, extra_text, utc_offset_minutes
from bot.matching.model import STAGES, Person
from bot.matching.scoring import excluded_pairs


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _frac(a: float, b: float) -> float:
    return a / b if b else 0.0


def _gap(mentor: Person, mentee: Person, config: MatchingConfig) -> int:
    rank = config.stage_rank
    return rank[mentor.stage] - rank[mentee.stage]


def criterion_fraction(c: CriterionConfig, mentor: Person, mentee: Person) -> tuple[bool, float]:
    """(hard rule holds, soft fraction in [0, 1]) of a custom criterion for one pair."""
    mv, ev = mentor.extra.get(c.mentor_key), mentee.extra.get(c.field)
    if c.kind == "same_choice":
        a, b = extra_text(mv), extra_text(ev)
        same = bool(a) and a == b
        return same, float(same)
    if c.kind in ("overlap", "coverage", "shared_any"):
        ms, es = extra_set(mv), extra_set(ev)
        inter = len(ms & es)
        if c.kind == "shared_any":
            return inter > 0, float(inter > 0)
        if c.kind == "overlap":
            return inter > 0, _frac(inter, len(ms | es))
        f = _frac(inter, len(es))
        return inter > 0 and f >= c.min_coverage, f
    if c.kind == "ordinal_gap":
        scale = {v: i for i, v in enumerate(c.scale)}
        ra, rb = scale.get(extra_text(mv), -1), scale.get(extra_text(ev), -1)
        if ra < 0 or rb < 0:
            return False, 0.0
        gap = ra - rb
        lo = c.min_gap if c.min_gap is not None else -len(c.scale)
        hi = c.max_gap if c.max_gap is not None else len(c.scale)
        return lo <= gap <= hi, max(0.0, 1.0 - abs(gap - c.ideal_gap) / (len(c.scale) - 1))
    x, y = extra_number(mv), extra_number(ev)
    if x != x or y != y:  # NaN: missing
        return False, 0.0
    d = abs(x - y)
    return d <= c.max_distance, max(0.0, 1.0 - d / c.max_distance)


def breakdown(mentor: Person, mentee: Person, config: MatchingConfig) -> dict[str, float]:
    """Each score term of the pair (MATCHING.md, plus the programme's soft criteria)."""
    w = config.weights
    subj_union = len(mentor.subjects | mentee.subjects)
    terms = {
        "phase": w.phase if mentor.phase & mentee.phase else 0.0,
        "subjects": w.subjects * _frac(len(mentor.subjects & mentee.subjects), subj_union),
        "goals": w.goals * _frac(len(mentee.goals & mentor.goals), len(mentee.goals)),
        "stage": w.stage * config.stage_fraction(_gap(mentor, mentee, config)),
        "availability": w.availability * _frac(len(mentor.availability & mentee.availability),
                                               len(mentee.availability)),
    }
    for c in config.criteria:
        if c.weight > 0:
            terms[c.name] = c.weight * criterion_fraction(c, mentor, mentee)[1]
    return terms


def _hours(minutes: float) -> str:
    h = abs(minutes) / 60
    text = f"{h:g}"
    return f"{text} hour" if h == 1 else f"{text} hours"


def _criterion_reason(c: CriterionConfig, mentor: Person, mentee: Person, config: MatchingConfig) -> str | None:
    """A programme criterion in words, in the programme's labels (None when there is nothing to say)."""
    ok, frac = criterion_fraction(c, mentor, mentee)
    mv, ev = mentor.extra.get(c.mentor_key), mentee.extra.get(c.field)
    if c.kind == "same_choice":
        a, b = extra_text(mv), extra_text(ev)
        if a and a == b:
            return f"both {config.label(a)}"
        return f"{c.name}: {config.label(a) or '?'} and {config.label(b) or '?'}" if a or b else None
    if c.kind in ("overlap", "shared_any"):
        common = sorted(extra_set(mv) & extra_set(ev))
        return f"{c.name}: both {_and([config.label(v) for v in common])}" if common else f"no {c.name} in common"
    if c.kind == "coverage":
        es = extra_set(ev)
        got = sorted(extra_set(mv) & es)
        if not es:
            return None
        return f"{c.name}: covers {len(got)} of {len(es)}" + (
            f": {', '.join(config.label(v) for v in got)}" if got else "")
    if c.kind == "ordinal_gap":
        a, b = extra_text(mv), extra_text(ev)
        return f"{c.name}: {config.label(a)} and {config.label(b)}" if a and b else None
    if c.weight > 0 and frac > 0:
        return f"{c.name}: {frac:.0%} fit"
    return f"{c.name}: fits" if c.hard and ok else None


def reasons(mentor: Person, mentee: Person, config: MatchingConfig, reference_date: date) -> str:
    """The pair's reasons in words, e.g. "both secondary; share maths; mentor covers 2 of 3 goals: …".

    Values read in the programme's own labels (``config.labels``); built-in terms a programme does not use
    (no points, no rule, nobody answered) are left out.
    """
    w, lab, term = config.weights, config.label, config.term_labels.get
    out: list[str] = []
    if w.phase or mentor.phase or mentee.phase:
        common = sorted(mentor.phase & mentee.phase)
        out.append(f"both {_and([lab(v) for v in common])}" if common else f"no {term('phase', 'phase')} in common")
    if w.subjects or mentor.subjects or mentee.subjects:
        subj = sorted(mentor.subjects & mentee.subjects)
        if subj:
            out.append(f"share {_and([lab(v) for v in subj])}")
        elif mentor.subjects or mentee.subjects:
            out.append(f"no {term('subjects', 'subject')} in common")
    if mentee.goals and (w.goals or mentor.goals):
        got = sorted(mentee.goals & mentor.goals)
        n = len(mentee.goals)
        goals = term("goals", "goals")
        if n == 1:  # "1 of 1 goals" reads wrongly: name the one goal
            one = goals[:-1] if goals.endswith("s") and not goals.endswith("ss") else goals
            out.append(f"mentor covers the {one} asked for: {lab(got[0])}" if got
                       else f"mentor does not cover the {one} asked for")
        elif got:
            out.append(f"mentor covers {len(got)} of {n} {goals}: {', '.join(lab(v) for v in got)}")
        else:
            out.append(f"mentor covers none of {n} {goals}")
    if w.stage or config.stage_rule != "any":
        diff = _gap(mentor, mentee, config)
        out.append(f"{lab(mentor.stage)} {'mentoring' if diff > 0 else 'and'} {lab(mentee.stage)}")
    if config.timezone_rule:
        om = utc_offset_minutes(mentor.timezone, reference_date)
        oe = utc_offset_minutes(mentee.timezone, reference_date)
        if om is not None and oe is not None:
            out.append("same time of day" if om == oe else f"{_hours(om - oe)} apart")
    slots = sorted(mentor.availability & mentee.availability)
    if slots:
        out.append(f"both free {_and([config.labels.get(s, s.replace('-', ' ')) for s in slots])}")
    for c in config.criteria:
        said = _criterion_reason(c, mentor, mentee, config)
        if said:
            out.append(said)
    return "; ".join(out)


def hard_failures(mentor: Person, mentee: Person, config: MatchingConfig, reference_date: date) -> list[str]:
    """The hard rules of MATCHING.md (as configured) that the pair breaks; empty when it is allowed."""
    bad: list[str] = []
    if not mentor.can_mentor:
        bad.append(f"{mentor.id} is a {mentor.role}, not a mentor")
    if not mentee.can_be_mentee:
        bad.append(f"{mentee.id} is a {mentee.role}, not a mentee")
    if mentor.id == mentee.id:
        bad.append("a person cannot mentor themselves")
    diff = _gap(mentor, mentee, config)
    ms, es = config.label(mentor.stage), config.label(mentee.stage)
    if config.stage_rule == "mentor_senior" and diff <= 0:
        bad.append(f"the mentor ({ms}) is not more senior than the mentee ({es})")
    elif config.stage_rule == "mentor_senior_or_equal" and diff < 0:
        bad.append(f"the mentor ({ms}) is less senior than the mentee ({es})")
    om, oe = utc_offset_minutes(mentor.timezone, reference_date), utc_offset_minutes(mentee.timezone, reference_date)
    if not config.timezone_rule:
        pass
    elif om is None or oe is None:
        bad.append("unknown time zone")
    elif abs(om - oe) > config.max_timezone_gap_hours * 60:
        bad.append(f"{_hours(om - oe)} apart ({mentor.timezone} / {mentee.timezone}); "
                   f"the limit is {config.max_timezone_gap_hours:g}")
    if config.require_shared_availability and not mentor.availability & mentee.availability:
        bad.append("no availability slot in common")
    if mentee.id in mentor.previous or mentor.id in mentee.previous:
        bad.append("they were paired before")
    if (config.different_organisation and mentor.organisation.strip() and mentee.organisation.strip()
            and mentor.organisation.strip().lower() == mentee.organisation.strip().lower()):
        bad.append(f"same organisation ({mentor.organisation.strip()})")
    for c in config.criteria:
        if c.hard and not criterion_fraction(c, mentor, mentee)[0]:
            said = _criterion_reason(c, mentor, mentee, config)
            bad.append(f"criterion {c.name!r} not met" + (f" ({said})" if said else ""))
    return bad


def unmatched_reason(enc: Encoded, j: int, allowed: int, reference_date: date) -> str:
    """Why mentee node ``j`` has no mentor: the hard rule that left no candidate, or full capacity."""
    m, e = enc.mentors, enc.mentees
    person = enc.people[int(e.person[j])]
    if allowed > 0:
        return _all_full(allowed)
    n = len(m)
    alive = m.person != e.person[j]
    if not alive.any():
        return "no mentors in this round"
    cfg = enc.config
    clauses: list[str] = []
    steps: list[tuple[str, np.ndarray]] = []
    if cfg.stage_rule == "mentor_senior":
        steps.append((f"is more senior than {cfg.label(person.stage)}", m.stage > e.stage[j]))
    elif cfg.stage_rule == "mentor_senior_or_equal":
        steps.append((f"is at least as senior as {cfg.label(person.stage)}", m.stage >= e.stage[j]))
    if cfg.timezone_rule:
        steps.append((f"is within {_hours(enc.gap_minutes)} of {person.timezone}",
                      np.abs(m.offset - e.offset[j]) <= enc.gap_minutes))
    if cfg.require_shared_availability:
        slots = " or ".join(cfg.labels.get(s, s.replace("-", " ")) for s in sorted(person.availability)) \
            or "any time (none given)"
        steps.append((f"is free {slots}", (m.avail & e.avail[j]) != 0))
    steps.append(("has not been paired with them before (nor blocked by either of them)",
                  ~excluded_pairs(enc, np.arange(n, dtype=np.int64), np.full(n, j, dtype=np.int64))))
    if cfg.different_organisation and e.org[j] >= 0:
        steps.append((f"is from outside {person.organisation.strip()}", (m.org < 0) | (m.org != e.org[j])))
    for c in cfg.criteria:
        if c.hard:
            mentors = [enc.people[int(i)] for i in m.person]
            ok = np.array([criterion_fraction(c, x, person)[0] for x in mentors], dtype=bool)
            value = extra_text(person.extra.get(c.field)) if c.kind == "same_choice" else ""
            steps.append((f"fits {c.name!r}" + (f" ({cfg.label(value)})" if value else ""), ok))
    for clause, mask in steps:
        after = alive & mask
        if after.sum() < alive.sum():
            clauses.append(clause)
        alive = after
        if not alive.any():
            return "no mentor who " + _and(clauses)
    return _all_full(int(alive.sum()))


def _all_full(n: int) -> str:
    if n == 1:
        return "the only compatible mentor was at capacity"
    return "both compatible mentors were at capacity" if n == 2 else f"all {n} compatible mentors were at capacity"


__all__ = ["STAGES", "breakdown", "hard_failures", "reasons", "unmatched_reason"]
