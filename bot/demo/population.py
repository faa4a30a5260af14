"""The demo's simulated people: who they are, what they answer and how they behave, all drawn from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from bot.onboarding.questions import Question

FIRST = ["Amara", "Ben", "Chloé", "Dev", "Efua", "Farah", "Gareth", "Hana", "Ibrahim", "Jess", "Kwame", "Lena",
         "Mei", "Niamh", "Olu", "Priya", "Quinn", "Rosa", "Sami", "Tomás", "Uche", "Vera", "Wen", "Xavier",
         "Yusuf", "Zoë", "Aoife", "Björn", "Carys", "Dara", "Émile", "Fola", "Grace", "Hamza", "Isla", "Jin"]
LAST = ["Okafor", "Smith", "Dubois", "Patel", "Mensah", "Khan", "Jones", "Sato", "Bello", "Taylor", "Asante",
        "Novak", "Chen", "Byrne", "Adeyemi", "Sharma", "Evans", "García", "Haddad", "Silva", "Eze", "Kowalski"]
# what people type for their time zone, mostly within a few hours of the UK; a couple far away
ZONES_TYPED = ["London", "UK", "Europe/London", "Manchester", "Dublin", "Paris", "Berlin", "Lagos", "GMT+1",
               "Madrid", "Accra", "Amsterdam"]
FAR_ZONES = ["Kolkata", "New York"]
BEHAVIOURS = ("eager", "slow", "abandons", "nonsense", "dms_closed", "ignores_nudges", "ends_match")
WEIGHTS = (0.50, 0.12, 0.08, 0.08, 0.07, 0.10, 0.05)


@dataclass
class DemoPerson:
    id: str
    name: str
    behaviour: str
    role: str
    answers: dict[str, Any]
    dms_open: bool = True
    x_handle: str | None = None
    mentions_bot: bool = False
    joins: bool = True
    leaves: bool = False
    wrong: dict[str, str] = field(default_factory=dict)


def _answer(q: Question, role: str, rng: random.Random, i: int) -> Any:
    if q.key == "role":
        return role
    if q.kind == "consent":
        return True
    if q.kind == "timezone":
        return rng.choice(FAR_ZONES) if rng.random() < 0.04 else rng.choice(ZONES_TYPED)
    if q.kind == "number":
        lo, hi = q.min_value or 1, q.max_value or 3
        return rng.randint(lo, min(hi, lo + 2))
    if q.kind == "text":
        kind = q.display_label.split()[0] if q.key == "organisation" else "answer"  # School, Library, Club
        return f"{rng.choice(LAST)} {kind} {i % 17}"
    values = [o.value for o in q.options]
    if q.eligible:  # demo people belong to the programme
        values = [v for v in values if v in q.eligible]
    if q.kind == "single":
        if q.ordinal:  # mentors are more senior than mentees
            half = len(values) // 2
            if role not in ("mentor", "mentee", "both"):  # experienced leaders: mid-way (mentors are senior)
                return rng.choice(values[max(0, half - 1):half + 1])
            return rng.choice(values[half:] if role in ("mentor", "both") else values[: max(1, half)])
        return rng.choice(values)
    lo, hi = q.choice_range
    if q.key == "availability":
        picked = {"weekday-evenings"} if rng.random() < 0.8 else {rng.choice(values)}
        picked |= set(rng.sample(values, rng.randint(0, 1)))
        return sorted(picked, key=values.index)
    k = rng.randint(max(1, lo), max(1, min(hi, 3)))
    return sorted(rng.sample(values, min(k, len(values))), key=values.index)


def make_population(questions: list[Question], count: int, seed: int) -> list[DemoPerson]:
    """``count`` people: about a third mentors, the rest mentees (a few both; where the programme offers
    lighter check-ins, about one in eight an experienced leader who asks for them), with behaviours and X posts."""
    rng = random.Random(seed)
    people: list[DemoPerson] = []
    role_q = next((q for q in questions if q.key == "role"), None)
    extra = [o.value for o in (role_q.options if role_q else []) if o.value not in ("mentor", "mentee", "both")]
    checkin_role = extra[0] if extra else None  # RunTogether's "experienced" run leaders
    used: set[str] = set()
    for i in range(count):
        while True:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if name not in used:
                used.add(name)
                break
        r = rng.random()
        role = "mentor" if r < 0.36 else "both" if r < 0.40 else "mentee"
        if checkin_role is not None:  # mentors each supporting several new leaders, and experienced leaders
            role = "mentor" if r < 0.30 else "both" if r < 0.33 else checkin_role if r < 0.45 else "mentee"
        behaviour = rng.choices(BEHAVIOURS, WEIGHTS)[0]
        answers: dict[str, Any] = {}
        for q in questions:
            if q.depends_on is not None:
                dep = answers.get(q.depends_on.key)
                deps = dep if isinstance(dep, list) else [dep]
                if not any(d in q.depends_on.in_ for d in deps):
                    continue
            answers[q.key] = _answer(q, role, rng, i)
        person = DemoPerson(id=f"p{i:03d}", name=name, behaviour=behaviour, role=role, answers=answers,
                            dms_open=behaviour != "dms_closed")
        if rng.random() < 0.6:
            person.x_handle = name.lower().replace(" ", "_").replace("é", "e").replace("ë", "e")[:15] + str(i)
            person.mentions_bot = rng.random() < 0.5
        if behaviour == "nonsense":
            person.wrong = {q.key: rng.choice(["banana", "???", "idk", "42!!", "🙃"]) for q in questions[:4]}
        people.append(person)
    if people:  # one person who never joins, one who leaves near the end
        rng.choice([p for p in people if p.x_handle] or people).joins = False
        candidates = [p for p in people if p.joins and p.behaviour == "eager"]
        if candidates:
            rng.choice(candidates).leaves = True
    return people
