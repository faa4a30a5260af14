"""The demo's goals and stories: mentees set goals from their introduction DM (most keep their profile's
choices, some write their own), the pair says how each goal is going when a check-in asks, and at the end one
person who rated their match highly shares a story on the programme's hashtag — after seeing the preview.
Each person's choices come from their own seeded dice, so a seed replays the same run."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.goals import goal_field
from bot.sandbox.discord import Message
from bot.sandbox.discord.actors import walk_components
from bot.sandbox.people import Persona
from bot.stories import STORY_FIELD
from storage.ids import require_id
from storage.models import MatchStatus
from storage.queries import matching, nudges

if TYPE_CHECKING:
    from bot.demo.runner import Demo

log = logging.getLogger(__name__)

OWN_WORDS = {  # what a mentee who writes their own goals types (the first fits every programme)
    "edumentoring": ["Feel confident with a lively class", "Plan a term of lessons", "Keep a healthy workload"],
    "libraries": ["Lead my service through its restructure", "Build confidence influencing councillors",
                  "Protect time for reflection"],
    "runtogether": ["Lead my first 5k group on my own", "Plan three safe winter routes", "Keep new runners coming back"],
}
STORIES = {
    "edumentoring": "Having someone to talk to after a tough day made all the difference. I feel like a real teacher now!",
    "libraries": "Protected time to reflect with a peer helped me lead my team through change with more confidence.",
    "runtogether": "My mentor helped me plan routes and keep new runners coming back. Our group has doubled!",
}


def _buttons(msg: Message, prefix: str) -> list[dict[str, Any]]:
    return [c for c in walk_components(msg.components) if str(c.get("custom_id", "")).startswith(prefix)]


class DemoGoals:
    def __init__(self, demo: Demo, programme_key: str) -> None:
        self.demo = demo
        self.key = programme_key
        self.seen: set[int] = set()  # check-in messages whose goal progress was answered

    def _dice(self, *parts: object) -> float:
        return random.Random(":".join(str(p) for p in (self.demo.seed, "goals", *parts))).random()

    def _who(self) -> dict[str, Any]:
        return {p.name: p for p in self.demo.people}

    async def set_goals(self) -> None:
        """Every mentee with a goals invitation answers it (except those who ignore the bot)."""
        people = self._who()
        for persona in list(self.demo.personas.values()):
            p = people.get(persona.name)
            if p is None or p.behaviour in ("ignores_nudges", "dms_closed"):
                continue
            for msg in persona.dms():
                use, write = _buttons(msg, "goals:use:"), _buttons(msg, "goals:write:")
                if not write or msg.id in self.seen:
                    continue
                self.seen.add(msg.id)
                try:
                    if use and self._dice(p.id, "own") < 0.7:
                        await persona.click(str(use[0]["custom_id"]), message=msg, timeout=20)
                    else:
                        await persona.click(str(write[0]["custom_id"]), message=msg, timeout=20)
                        words = OWN_WORDS.get(self.key, OWN_WORDS["edumentoring"])
                        await persona.submit_modal({goal_field(1): words[0], goal_field(2): words[1]}, timeout=20)
                        self.demo.state.counts["goals written"] += 1
                    self.demo.state.counts["goals set"] += 1
                except Exception as exc:  # the demo goes on without this person's goals
                    log.info("%s could not set goals: %s", persona.name, exc)

    async def progress(self, day: int) -> None:
        """Check-ins that carry "Goal progress": one of the pair says how each goal is going (further along
        as the weeks pass, by their own dice)."""
        people = self._who()
        jobs = []
        for persona in list(self.demo.personas.values()):
            p = people.get(persona.name)
            if p is None or p.behaviour == "ignores_nudges":
                continue
            for msg in persona.dms():
                if msg.id in self.seen or msg.deleted or not _buttons(msg, "goals:progress:"):
                    continue
                self.seen.add(msg.id)
                jobs.append(self._report(persona, p.id, msg, day))
        await asyncio.gather(*jobs)

    async def _report(self, persona: Persona, pid: str, msg: Message, day: int) -> None:
        async with self.demo._clicking:
            try:
                button = _buttons(msg, "goals:progress:")[0]
                opened = await persona.click(str(button["custom_id"]), message=msg, timeout=20)
                panel = opened.messages[-1] if opened.messages else None
                if panel is None:
                    return
                for i, select in enumerate(c for c in walk_components(panel.components) if c.get("type") == 3):
                    dice = self._dice(pid, day, i)
                    progress = "achieved" if day >= 20 and dice < 0.45 else \
                        "under_way" if day >= 5 and dice < 0.85 else "not_started"
                    if i == 2 and dice > 0.9:
                        progress = "changed"
                    await persona.choose(progress, custom_id=str(select["custom_id"]), message=panel, timeout=20)
                    self.demo.state.counts["goal progress answers"] += 1
            except Exception as exc:
                log.info("%s could not say how their goals are going: %s", persona.name, exc)

    async def share_a_story(self) -> None:
        """The offers go out (people who rated an ended match highly); the first to get one writes a story,
        previews it on the programme's hashtag and confirms. When no match has ended yet, the organiser closes
        a pair who met at the end of the six weeks."""
        world, olu = self.demo.world, self.demo.world.organiser
        for attempt in range(4):
            await world.bot.tick("story-offers")
            offered = self._offers()
            if offered:
                break
            if attempt == 0 and olu is not None and world.guild is not None:
                closed = await self._close_a_happy_pair()
                if closed is not None:
                    await self._rate_highly(closed)
            world.clock.advance(timedelta(hours=8))  # someone in their quiet hours is offered in daytime
        for persona, msg in self._offers()[:1]:
            try:
                # by custom_id: the buttons' and the form's words are the programme's
                await persona.click(str(_buttons(msg, "story:write:")[0]["custom_id"]), message=msg, timeout=20)
                written = await persona.submit_modal({STORY_FIELD: STORIES.get(self.key, STORIES["edumentoring"])},
                                                     timeout=20)
                choices = written.messages[-1]
                public = [c for c in _buttons(choices, "story:to:") if str(c["custom_id"]).split(":")[3] == "0"
                          and str(c["custom_id"]).split(":")[2] != "organisers"]
                target = public[0] if public else _buttons(choices, "story:to:")[0]
                preview = await persona.click(str(target["custom_id"]), message=choices, timeout=20)
                shown = preview.messages[-1]
                done = await persona.click(str(_buttons(shown, "story:post:")[0]["custom_id"]), message=shown,
                                           timeout=20)
                self.demo.state.counts["stories shared"] += 1
                self.demo.state.organiser_notes.append(f"story: {done.content[:160]}")
            except Exception as exc:
                log.warning("the story could not be shared: %s", exc)

    def _offers(self) -> list[tuple[Persona, Message]]:
        out = []
        for persona in self.demo.personas.values():
            out += [(persona, m) for m in persona.dms() if _buttons(m, "story:write:")]
        return sorted(out, key=lambda pm: pm[1].id)

    async def _rate_highly(self, discord_user_id: int) -> None:
        """The mentee of the closed pair answers its end-of-match survey (when the programme sends one): 5 of 5."""
        world = self.demo.world
        persona = next((p for p in self.demo.personas.values() if p.id == discord_user_id), None)
        if persona is None or "survey-dispatch" not in world.bot.periodic:
            return
        world.clock.advance(timedelta(minutes=15))
        await world.bot.tick("survey-dispatch")
        for _ in range(8):
            found = [(m, c) for m in persona.dms() for c in _buttons(m, "survey:")
                     if str(c["custom_id"]).endswith(":5")]
            if not found:
                return
            msg, button = found[-1]
            try:
                await (await persona.click(str(button["custom_id"]), message=msg, timeout=20)).wait_answer(20)
            except Exception as exc:
                log.info("%s could not answer the end survey: %s", persona.name, exc)
                return

    async def _close_a_happy_pair(self) -> int | None:
        """The organiser ends, at the close of the six weeks, one pair whose mentee said they had met."""
        world = self.demo.world
        bot = world.bot
        programme = bot.services.programmes.all()[0]
        async with bot.sessions() as session:
            active = await matching.matches_in_programme(session=session, programme_id=programme.id,
                                                         statuses=(MatchStatus.ACTIVE,))
            happy = [require_id(m) for m in active if any(
                n.person_id == m.mentee_person_id and n.answer == "met"
                for n in await nudges.nudges_of_match(session=session, match_id=require_id(m)))]
        for match_id in happy[:1]:
            try:
                ended = await bot.services.ending.end_match(programme, match_id, "organiser", world.organiser.id
                                                            if world.organiser else None,
                                                            note="the six weeks of the programme are complete")
                return ended.mentee.discord_user_id if ended is not None else None
            except Exception as exc:
                log.info("could not close match %s: %s", match_id, exc)
        return None


async def outcome_counts(demo: Demo) -> dict[str, Any]:
    """Goals set and achieved, stories offered and posted: the demo report's share of ``outcomes``."""
    bot = demo.world.bot
    programme = bot.services.programmes.all()[0]
    overview = await bot.services.goals.overview(programme)
    stories = await bot.services.stories.counts(programme)
    return {
        "pairs_with_goals": overview.totals.pairs_with_goals, "goals_set": overview.totals.goals,
        "goals_achieved": overview.totals.achieved,
        "goal_progress": {k: v for k, v in overview.totals.by_progress.items() if k != "pairs_achieved"},
        "stories_offered": sum(stories.values()), "stories_posted": stories.get("posted", 0),
        "stories_to_organisers": stories.get("shared", 0),
    }
