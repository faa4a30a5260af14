"""Encode profiles as numpy arrays (bitsets, ordinals, offsets) so pairs are checked and scored in blocks."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import numpy as np
import numpy.typing as npt

from bot.matching.config import CriterionConfig, MatchingConfig
from bot.matching.model import Person, zone_or_none

I64 = npt.NDArray[np.int64]
SCALE = 1_000_000  # integer score units per point: costs are round(score × 10⁶)
NO_OFFSET = 10**7  # offset (minutes) given to people whose zone is unknown: never within any gap

STAGE_GAPS = 12  # stage differences are clipped to −12 … 12 in the stage tables


def stage_fractions(config: MatchingConfig) -> npt.NDArray[np.float64]:
    """Fraction of the stage weight by stage(M) − stage(E), indexed by difference + STAGE_GAPS."""
    return np.array([config.stage_fraction(d) for d in range(-STAGE_GAPS, STAGE_GAPS + 1)], dtype=np.float64)


def utc_offset_minutes(zone: str, on: date) -> int | None:
    """The zone's UTC offset in minutes at noon UTC of ``on`` (None when the zone is unknown)."""
    tz = zone_or_none(zone)
    if tz is None:
        return None
    off = datetime.combine(on, time(12), tzinfo=UTC).astimezone(tz).utcoffset()
    return None if off is None else int(off.total_seconds() // 60)


def _bitsets(sets: Sequence[frozenset[str]]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int32]]:
    vocab = sorted(set().union(*sets)) if sets else []
    index = {v: i for i, v in enumerate(vocab)}
    words = max(1, math.ceil(len(vocab) / 64))
    bits = np.zeros((len(sets), words), dtype=np.uint64)
    sizes = np.zeros(len(sets), dtype=np.int32)
    for row, values in enumerate(sets):
        sizes[row] = len(values)
        for v in values:
            i = index[v]
            bits[row, i >> 6] |= np.uint64(1 << (i & 63))
    return bits, sizes


def extra_set(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(str(v).strip().lower() for v in value if str(v).strip())
    return frozenset(v.strip().lower() for v in str(value).split(";") if v.strip())


def extra_text(value: object) -> str:
    if value is None or isinstance(value, list | tuple | set | frozenset):
        return ""
    return str(value).strip().lower()


def extra_number(value: object) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return math.nan


@dataclass
class CriterionArrays:
    """One custom criterion, encoded for the mentor side (``m``) and the mentee side (``e``)."""

    config: CriterionConfig
    m_codes: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    e_codes: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    m_bits: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros((0, 1), np.uint64))
    e_bits: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros((0, 1), np.uint64))
    m_size: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    e_size: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    m_num: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    e_num: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


@dataclass
class Side:
    """Attributes of the mentor nodes or of the mentee nodes (row i = node i)."""

    person: I64  # index into Encoded.people
    stage: npt.NDArray[np.int16]
    offset: npt.NDArray[np.int64]
    avail: npt.NDArray[np.uint8]
    avail_n: npt.NDArray[np.int32]
    phase: npt.NDArray[np.uint8]
    subj: npt.NDArray[np.uint64]
    subj_n: npt.NDArray[np.int32]
    goal: npt.NDArray[np.uint64]
    goal_n: npt.NDArray[np.int32]
    org: I64

    def __len__(self) -> int:
        return len(self.person)


NO_SLOT = -(1 << 40)  # table value of a pair with no shared availability (when required): score < 0


class Tables:
    """Integer score tables (units of 10⁻⁶ point), built once per run from the weights.

    ``pa[m_code * 1024 + e_code]`` (code = phase bits × 16 + availability bits) holds the phase and
    availability terms together, or ``NO_SLOT`` when rule 4 fails; ``subj[inter * subj_stride + |S_M| + |S_E|]``
    the subjects term; ``goal[inter * goal_n + |G_E|]`` the goals term; ``stage[diff + STAGE_GAPS]`` the stage
    term.
    """

    def __init__(self, config: MatchingConfig, mentors: Side, mentees: Side) -> None:
        w = config.weights
        codes = np.arange(1024)
        ph, av = codes >> 4, codes & 15
        share_ph = (ph[:, None] & ph[None, :]) != 0
        av_inter = np.bitwise_count(av[:, None] & av[None, :]).astype(np.float64)
        av_n = np.bitwise_count(av).astype(np.float64)[None, :]
        av_frac = np.divide(av_inter, av_n, out=np.zeros(av_inter.shape), where=av_n > 0)
        pa = np.rint(w.phase * share_ph * SCALE).astype(np.int64) + np.rint(w.availability * av_frac * SCALE).astype(
            np.int64)
        if config.require_shared_availability:
            pa[av_inter == 0] = NO_SLOT
        self.pa = pa.ravel()
        self.stage = np.rint(w.stage * stage_fractions(config) * SCALE).astype(np.int64)
        ns = int(max(mentors.subj_n.max(initial=0), mentees.subj_n.max(initial=0))) + 1
        inter = np.arange(ns)[:, None]
        union = np.arange(2 * ns)[None, :] - inter
        frac = np.divide(inter, union, out=np.zeros(union.shape), where=union > 0)
        self.subj = np.rint(w.subjects * frac * SCALE).astype(np.int64).ravel()
        self.subj_stride = 2 * ns
        ng = int(mentees.goal_n.max(initial=0)) + 1
        gi, gn = np.arange(ng)[:, None], np.arange(ng)[None, :]
        goal = np.rint(w.goals * np.divide(gi, gn, out=np.zeros((ng, ng)), where=gn > 0) * SCALE)
        self.goal = goal.astype(np.int64).ravel()
        self.goal_n = ng
        self.m_pa = mentors.phase.astype(np.int64) * 16384 + mentors.avail.astype(np.int64) * 1024
        self.e_pa = mentees.phase.astype(np.int64) * 16 + mentees.avail.astype(np.int64)
        self.m_subj_n = mentors.subj_n.astype(np.int64)
        self.e_subj_n = mentees.subj_n.astype(np.int64)
        self.e_goal_n = mentees.goal_n.astype(np.int64)


@dataclass
class Encoded:
    people: list[Person]  # sorted by id
    index: dict[str, int]
    mentors: Side
    mentees: Side
    capacity: I64  # remaining capacity of each mentor node
    excluded: I64  # sorted codes mentor*n_mentees + mentee of pairs barred by history or by organisers
    criteria: list[CriterionArrays]
    config: MatchingConfig
    gap_minutes: float
    tables: Tables

    @property
    def n_mentors(self) -> int:
        return len(self.mentors)

    @property
    def n_mentees(self) -> int:
        return len(self.mentees)


def encode(
    people: Sequence[Person],
    config: MatchingConfig,
    reference_date: date,
    mentor_ids: Sequence[str],
    mentee_ids: Sequence[str],
    capacity: Mapping[str, int],
    forbidden: Sequence[tuple[str, str]],
) -> Encoded:
    """Encode ``people`` (already sorted by id); mentor/mentee node order follows the given id lists."""
    index = {p.id: i for i, p in enumerate(people)}
    offsets: dict[str, int] = {}
    for p in people:
        if p.timezone not in offsets:
            off = utc_offset_minutes(p.timezone, reference_date)
            offsets[p.timezone] = NO_OFFSET if off is None else off
    subj, subj_n = _bitsets([p.subjects for p in people])
    goal, goal_n = _bitsets([p.goals for p in people])
    orgs: dict[str, int] = {}
    # an empty organisation gets a code of its own (−1 − person index), so "differ" is a single comparison
    org = np.array([orgs.setdefault(p.organisation.strip().lower(), len(orgs)) if p.organisation.strip() else -1 - k
                    for k, p in enumerate(people)], dtype=np.int64)
    stage_rank = config.stage_rank
    phase_bit = {v: 1 << i for i, v in enumerate(config.phase_values)}
    avail_bit = {v: 1 << i for i, v in enumerate(config.availability_values)}
    stage = np.array([stage_rank[p.stage] for p in people], dtype=np.int16)
    offset = np.array([offsets[p.timezone] for p in people], dtype=np.int64)
    avail = np.array([sum(avail_bit[a] for a in p.availability) for p in people], dtype=np.uint8)
    phase = np.array([sum(phase_bit[a] for a in p.phase) for p in people], dtype=np.uint8)
    avail_n = np.array([len(p.availability) for p in people], dtype=np.int32)

    def side(ids: Sequence[str]) -> Side:
        ix = np.array([index[i] for i in ids], dtype=np.int64)
        return Side(ix, stage[ix], offset[ix], avail[ix], avail_n[ix], phase[ix], subj[ix], subj_n[ix],
                    goal[ix], goal_n[ix], org[ix])

    mentors, mentees = side(mentor_ids), side(mentee_ids)
    m_pos = {pid: k for k, pid in enumerate(mentor_ids)}
    e_pos = {pid: k for k, pid in enumerate(mentee_ids)}
    n_e = len(mentee_ids)
    codes: set[int] = set()
    for pid, k in m_pos.items():
        for other in people[index[pid]].previous:
            if other in e_pos:
                codes.add(k * n_e + e_pos[other])
    for pid, k in e_pos.items():
        for other in people[index[pid]].previous:
            if other in m_pos:
                codes.add(m_pos[other] * n_e + k)
    for pid, k in m_pos.items():  # a `both` person never mentors themselves
        if pid in e_pos:
            codes.add(k * n_e + e_pos[pid])
    for m_id, e_id in forbidden:
        if m_id in m_pos and e_id in e_pos:
            codes.add(m_pos[m_id] * n_e + e_pos[e_id])
    excluded = np.array(sorted(codes), dtype=np.int64)
    cap = np.array([capacity[i] for i in mentor_ids], dtype=np.int64)
    crit = [_encode_criterion(c, [people[index[i]] for i in mentor_ids], [people[index[i]] for i in mentee_ids])
            for c in config.criteria]
    return Encoded(list(people), index, mentors, mentees, cap, excluded, crit, config,
                   config.gap_minutes, Tables(config, mentors, mentees))


def _encode_criterion(c: CriterionConfig, mentors: Sequence[Person], mentees: Sequence[Person]) -> CriterionArrays:
    arr = CriterionArrays(c)
    m_raw = [p.extra.get(c.mentor_key) for p in mentors]
    e_raw = [p.extra.get(c.field) for p in mentees]
    if c.kind in ("same_choice", "ordinal_gap"):
        m_txt, e_txt = [extra_text(v) for v in m_raw], [extra_text(v) for v in e_raw]
        if c.kind == "same_choice":
            vocab = {v: i for i, v in enumerate(sorted({*m_txt, *e_txt} - {""}))}
        else:
            vocab = {v: i for i, v in enumerate(c.scale)}
        arr.m_codes = np.array([vocab.get(v, -1) for v in m_txt], dtype=np.int64)
        arr.e_codes = np.array([vocab.get(v, -1) for v in e_txt], dtype=np.int64)
    elif c.kind in ("overlap", "coverage", "shared_any"):
        bits, sizes = _bitsets([extra_set(v) for v in m_raw] + [extra_set(v) for v in e_raw])
        arr.m_bits, arr.e_bits = bits[: len(mentors)], bits[len(mentors):]
        arr.m_size, arr.e_size = sizes[: len(mentors)], sizes[len(mentors):]
    else:
        arr.m_num = np.array([extra_number(v) for v in m_raw], dtype=np.float64)
        arr.e_num = np.array([extra_number(v) for v in e_raw], dtype=np.float64)
    return arr
