"""A small cohort of simulated people who onboard through the real interview."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from bot.sandbox.interview import run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld

SUBJECTS = ["maths", "english", "science", "history", "computing", "art"]
GOALS = ["behaviour", "planning", "send", "leadership", "wellbeing", "career"]


def cohort_answers(n_mentors: int, n_mentees: int, seed: int = 1) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    people: list[tuple[str, dict[str, Any]]] = []
    for i in range(n_mentors):
        people.append((f"Mentor {i:02d}", {
            "role": "mentor", "phase": [rng.choice(["primary", "secondary"])],
            "subjects": rng.sample(SUBJECTS, 2), "stage": rng.choice(["middle-leader", "senior-leader"]),
            "timezone": rng.choice(["London", "Europe/Paris"]), "availability": ["weekday-evenings"],
            "goals": rng.sample(GOALS, 3), "capacity": rng.choice([1, 2]), "organisation": f"School M{i}",
            "consent": True,
        }))
    for i in range(n_mentees):
        people.append((f"Mentee {i:02d}", {
            "role": "mentee", "phase": [rng.choice(["primary", "secondary"])],
            "subjects": rng.sample(SUBJECTS, 1), "stage": rng.choice(["trainee", "early-career"]),
            "timezone": rng.choice(["London", "Europe/Paris"]),
            "availability": ["weekday-evenings", "weekends"], "goals": rng.sample(GOALS, 2),
            "organisation": f"School E{i}", "consent": True,
        }))
    return people


async def onboard_cohort(world: SandboxWorld, n_mentors: int, n_mentees: int, seed: int = 1) -> list[Persona]:
    """Everyone joins and completes the interview (a few at a time, as people would)."""
    assert world.guild is not None
    questions = world.bot.services.programmes.all()[0].questions
    personas: list[Persona] = []
    sem = asyncio.Semaphore(8)

    async def one(name: str, answers: dict[str, Any]) -> None:
        async with sem:
            persona = world.person(name)
            await persona.join(world.guild)  # type: ignore[arg-type]
            log = await run_interview(persona, questions, answers, timeout=20)
            assert "profile is saved" in log.last, (name, log.last)
            personas.append(persona)

    await asyncio.gather(*(one(name, answers) for name, answers in cohort_answers(n_mentors, n_mentees, seed)))
    return personas
