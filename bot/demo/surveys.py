"""The demo's surveys: personas answer the baseline when they are matched and the end survey when the round
closes — eager people at once, slow ones only after the reminder, people who ignore the bot never — and at
the end the organisers' outcomes report is produced (chart, anonymised CSV, summary in the output folder).
Each answer comes from the person's own seeded dice (a little more confident at the end, mostly), so a seed
replays the same run."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.sandbox.discord import Message
from bot.sandbox.discord.actors import walk_components
from bot.sandbox.people import Persona
from storage.ids import require_id
from storage.models import MatchStatus
from storage.queries import matching

if TYPE_CHECKING:
    from bot.demo.runner import Demo

log = logging.getLogger(__name__)

PREFIXES = ("survey:", "surveypick:", "surveywrite:", "surveyquote:")
OPEN = "surveyopen:"
WORDS = {
    "edumentoring": ["Having someone outside school to talk to made a huge difference to my first year.",
                     "I got practical ideas for behaviour management that actually worked.",
                     "It reminded me why I love teaching.",
                     "My mentor helped me prepare for my first interview — and I got the job!",
                     "Mentoring someone new made me reflect on my own practice too.",
                     "Less lonely, more confident, and a friend for life."],
    "libraries": ["Protected time to reflect helped me approach our restructure with more confidence.",
                  "I learned to push back constructively with councillors.",
                  "Listening to a peer from another service gave me a fresh perspective.",
                  "Mentoring sharpened my own listening skills as a leader.",
                  "I feel far less isolated as a new Head of Service.",
                  "We worked through a capital project plan together; it is now approved."],
    "runtogether": ["My mentor helped me plan safe routes for dark evenings.",
                    "I feel much more confident leading a mixed-ability group.",
                    "Our group has grown and new runners keep coming back.",
                    "Great to have someone to ask after a tricky session.",
                    "Supporting new leaders reminded me why I started leading runs.",
                    "The tips on warm-ups and pacing made every session smoother."],
}


def _survey_parts(msg: Message) -> list[dict[str, Any]]:
    return [c for c in walk_components(msg.components) if str(c.get("custom_id", "")).startswith(PREFIXES)]


def _invite(msg: Message) -> str | None:
    parts = _survey_parts(msg)
    return str(parts[0]["custom_id"]).split(":")[1] if parts else None


def _opens(msg: Message) -> list[str]:
    """The surveys a mentor's one message of a moment carries (a button per pair: ``surveyopen:<invite>``)."""
    return [str(c["custom_id"]).split(":")[1] for c in walk_components(msg.components)
            if str(c.get("custom_id", "")).startswith(OPEN)]


class DemoSurveys:
    def __init__(self, demo: Demo, programme_key: str) -> None:
        self.demo = demo
        self.key = programme_key
        self.report_files: list[Path] = []
        self.finished: set[str] = set()  # surveys answered to the end
        self.outcomes: Any = None

    def _dice(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.demo.seed, "surveys", *parts)))

    async def answer(self) -> None:
        """Everyone whose survey (or its reminder) is waiting answers it, as their behaviour says."""
        state = self.demo.world.discord.state
        people = {p.name: p for p in self.demo.people}
        by_channel = {persona.dm_channel.id: persona for persona in self.demo.personas.values()
                      if persona.dm_channel is not None}
        waiting: dict[str, list[Message]] = {}
        for msg in list(state.messages.values()):  # one pass over every message, not one per person
            if msg.channel_id not in by_channel or msg.deleted or msg.interaction_id is not None:
                continue
            for invite in [i for i in (_invite(msg), *_opens(msg)) if i is not None and i not in self.finished]:
                waiting.setdefault(invite, []).append(msg)
        jobs = []
        for invite, messages in waiting.items():
            persona = by_channel[messages[-1].channel_id]
            p = people.get(persona.name)
            if p is None or p.behaviour in ("ignores_nudges", "dms_closed", "abandons"):
                continue
            if p.behaviour == "slow" and len(messages) < 2:
                continue  # a slow person answers only once reminded
            jobs.append(self._fill(persona, p.id, invite, max(messages, key=lambda m: m.id)))
        await asyncio.gather(*jobs)

    async def _fill(self, persona: Persona, pid: str, invite: str, msg: Message) -> None:
        async with self.demo._clicking:
            state = self.demo.world.discord.state
            if invite in _opens(msg):  # one pair's survey in a mentor's one message: open it, then answer it
                try:
                    opened = await persona.click(f"{OPEN}{invite}", message=msg, timeout=20)
                    await opened.wait_answer(20)
                except Exception as exc:
                    log.info("%s could not open a survey: %s", persona.name, exc)
                    return
                if opened.message is None:
                    return
                msg = opened.message
            for _ in range(12):  # one step at a time, until the thanks
                current = state.messages[msg.id]
                parts = _survey_parts(current)
                if not parts:
                    self.finished.add(invite)
                    self.demo.state.counts["surveys answered"] += 1
                    return
                try:
                    await self._step(persona, pid, current, parts)
                except Exception as exc:  # the demo goes on without the rest of this survey
                    log.info("%s could not answer a survey: %s", persona.name, exc)
                    return

    async def _step(self, persona: Persona, pid: str, msg: Message, parts: list[dict[str, Any]]) -> None:
        first = str(parts[0]["custom_id"])
        kind, question = first.split(":")[0], first.split(":")[2]
        programme = self.demo.world.bot.services.programmes.all()[0]
        end = any(f"**{s.title}**" in msg.content for s in programme.config.survey_plan() if s.at == "end")
        dice = self._dice(pid, question, "end" if end else "start")
        if kind == "survey":
            values = [str(c["custom_id"]).split(":")[3] for c in parts if str(c["custom_id"]).startswith("survey:")]
            points = sorted(int(v) for v in values if v.isdigit())
            if not points:
                chosen = "skip"
            else:
                base = self._dice(pid, question, "start").choice([2, 2, 3, 3, 3, 4])
                value = base + (self._dice(pid, question, "gain").choice([0, 1, 1, 1, 2]) if end else 0)
                if question in ("relationship", "usefulness", "recommend", "support") and end:
                    value = dice.choice([3, 4, 4, 5, 5])
                chosen = str(max(points[0], min(points[-1], value)))
            result = await persona.click(f"survey:{first.split(':')[1]}:{question}:{chosen}", message=msg, timeout=20)
        elif kind == "surveypick":
            options = [o for c in walk_components(msg.components) if c.get("type") == 3 for o in c.get("options", [])]
            result = await persona.choose(dice.choice(options)["value"], custom_id=first, message=msg, timeout=20)
        elif kind == "surveywrite":
            skip = next((c for c in parts if str(c["custom_id"]).endswith(":skip")), None)
            if skip is not None and dice.random() < 0.4:
                result = await persona.click(str(skip["custom_id"]), message=msg, timeout=20)
            else:
                await persona.click(first, message=msg, timeout=20)
                words = WORDS.get(self.key, WORDS["edumentoring"])
                result = await persona.submit_modal({"answer": dice.choice(words)}, timeout=20)
        else:  # may we quote you?
            yes = dice.random() < 0.7
            target = next(c for c in parts if str(c["custom_id"]).endswith(":yes" if yes else ":no"))
            result = await persona.click(str(target["custom_id"]), message=msg, timeout=20)
        await result.wait_answer(20)

    async def close_the_round(self, out_dir: Path) -> None:
        """The round is over: the organisers end every pair still going, the end surveys go out (each in the
        person's daytime, with one reminder), people answer, and the outcomes report is produced."""
        world = self.demo.world
        bot = world.bot
        self.demo.state.phase = "the round's end: end surveys and the outcomes report"
        started = time.monotonic()
        programme = bot.services.programmes.all()[0]
        async with bot.sessions() as session:
            active = await matching.matches_in_programme(session=session, programme_id=programme.id,
                                                         statuses=(MatchStatus.ACTIVE,))
        for match in active:
            try:
                await bot.services.ending.end_match(programme, require_id(match), "organiser",
                                                    world.organiser.id if world.organiser else None,
                                                    note="the round is complete")
            except Exception as exc:
                log.info("could not close match %s: %s", match.id, exc)
        for _ in range(4 * 2):  # four days, every twelve hours: daytime sends, then the reminders
            world.clock.advance(timedelta(hours=12))
            await bot.tick("survey-dispatch")
            await self.answer()
        report = await bot.services.outcomes.produce(programme, actor_discord_id=world.organiser.id
                                                     if world.organiser else None)
        self.outcomes = report.outcomes
        for name, data in report.files:
            path = out_dir / name.replace(report.stem, "outcomes")
            await asyncio.to_thread(path.write_bytes, data)
            self.report_files.append(path)
        self.demo.state.timings["the round's end"] = time.monotonic() - started


async def survey_counts(demo: Demo) -> dict[str, Any]:
    """The demo report's share of ``outcomes``: surveys sent and answered, and each measure's mean at the start
    and at the end (None where fewer than five people answered)."""
    o = demo.surveys.outcomes
    if o is None:
        return {}
    return {
        "surveys_sent": {r.survey_key: r.sent for r in o.rates},
        "survey_responses": {r.survey_key: r.responded if r.shown else None for r in o.rates},  # None: under 5
        "survey_respondents": o.respondents,
        "measures": {m.measure: {"baseline_mean": None if m.baseline_mean is None else round(m.baseline_mean, 2),
                                 "end_mean": None if m.end_mean is None else round(m.end_mean, 2),
                                 "baseline_n": m.baseline_n, "end_n": m.end_n} for m in o.measures},
        "quotes": len(o.quotes),
        "report_files": [p.name for p in demo.surveys.report_files],
    }
