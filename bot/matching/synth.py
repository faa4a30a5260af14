"""Synthetic cohorts for tests and the benchmark (seeded, so runs repeat)."""

from __future__ import annotations

import numpy as np

from bot.matching.model import AVAILABILITY, PHASES, STAGES, Person

ZONES: tuple[tuple[str, float], ...] = (
    ("Europe/London", 0.45), ("Europe/Dublin", 0.05), ("Europe/Paris", 0.10), ("Europe/Berlin", 0.05),
    ("Europe/Athens", 0.03), ("America/New_York", 0.07), ("America/Chicago", 0.03),
    ("America/Los_Angeles", 0.03), ("Asia/Kolkata", 0.06), ("Asia/Dubai", 0.03), ("Asia/Singapore", 0.03),
    ("Australia/Sydney", 0.03), ("Africa/Lagos", 0.02), ("Africa/Johannesburg", 0.02),
)
SUBJECTS = ("maths", "english", "science", "physics", "chemistry", "biology", "history", "geography", "art",
            "music", "pe", "computing", "french", "spanish", "german", "re", "drama", "dt", "economics",
            "psychology", "sociology", "law", "business", "media")
GOALS = ("behaviour", "planning", "send", "leadership", "wellbeing", "career", "assessment", "workload")


def cohort(n_mentees: int, n_mentors: int, seed: int = 0, both_share: float = 0.05,
           n_orgs: int | None = None) -> list[Person]:
    """``n_mentees`` mentees and ``n_mentors`` mentors (a share of them ``both``), capacities 1–3."""
    rng = np.random.default_rng(seed)
    zones = [z for z, _ in ZONES]
    zw = np.array([w for _, w in ZONES])
    zw /= zw.sum()
    n_orgs = n_orgs or max(3, (n_mentees + n_mentors) // 20)
    people: list[Person] = []

    def pick(vocab: tuple[str, ...], lo: int, hi: int) -> frozenset[str]:
        k = int(rng.integers(lo, hi + 1))
        return frozenset(vocab[i] for i in rng.choice(len(vocab), size=k, replace=False))

    total = n_mentees + n_mentors
    for n in range(total):
        mentor = n >= n_mentees
        role = "mentor" if mentor else "mentee"
        if rng.random() < both_share:
            role = "both"
        if mentor:
            stage = int(rng.choice(6, p=[0.0, 0.05, 0.25, 0.35, 0.2, 0.15]))
        else:
            stage = int(rng.choice(6, p=[0.35, 0.35, 0.2, 0.1, 0.0, 0.0]))
        previous: frozenset[str] = frozenset()
        if rng.random() < 0.02:
            previous = frozenset({f"p{int(rng.integers(total)):06d}"})
        people.append(Person(
            id=f"p{n:06d}", role=role, name=f"Person {n}", phase=pick(PHASES, 1, 2),
            subjects=pick(SUBJECTS, 1, 4), stage=STAGES[stage],
            timezone=zones[int(rng.choice(len(zones), p=zw))],
            availability=pick(AVAILABILITY, 1, 3), goals=pick(GOALS, 2, 5) if mentor else pick(GOALS, 1, 3),
            capacity=int(rng.integers(1, 4)) if mentor else 1,
            organisation="" if rng.random() < 0.1 else f"school-{int(rng.integers(n_orgs))}",
            previous=previous,
        ))
    return people
