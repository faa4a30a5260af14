"""The demo's community scene (RunTogether): the organiser schedules a mentors' development day with
``/event create``; some mentors mark "Interested" in Discord, others answer a reminder ("I'll be there" / "Can't
make it") or ignore it; reminders go out in each person's daytime; the event starts (its link posted in the mentor
circle), ends, the organiser marks who came, and attendees answer the one feedback question."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.sandbox.discord.actors import walk_components
from bot.sandbox.discord.model import Message
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.ids import require_id
from storage.queries import events as q
from storage.queries import people

if TYPE_CHECKING:
    from bot.demo.runner import Demo

log = logging.getLogger(__name__)

TITLE = "Mentors' development day"
START = datetime(2026, 9, 26, 9, 0, tzinfo=UTC)  # Saturday 26 September, 10:00 in London
HOURS = 5


class DevDayScene:
    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.rng = random.Random(demo.seed * 31 + 7)
        self.discord_id: int | None = None
        self.seen: set[int] = set()
        self.played = False

    @property
    def world(self) -> SandboxWorld:
        return self.demo.world

    def _mentors(self) -> list[Persona]:
        return [self.demo.personas[p.id] for p in self.demo.people
                if p.role == "mentor" and p.id in self.demo.personas and p.joins]

    async def on_day(self, day: int) -> None:
        """Called once a simulated day by the demo's six weeks."""
        try:
            if day == 1:
                await self._schedule()
            if self.discord_id is None:
                return
            await self._answer_dms()
            if not self.played and self.world.clock.now() >= START - timedelta(days=1, hours=2):
                await self._play_the_day()
        except Exception:
            log.exception("the development day scene failed")

    async def _schedule(self) -> None:
        organiser, guild = self.world.organiser, self.world.guild
        if organiser is None or guild is None:
            return
        self.demo.state.phase = "scheduling the mentors' development day"
        result = await organiser.slash("event", "create", guild=guild, timeout=20, options={
            "title": TITLE, "kind": "development_day", "date": f"{START:%Y-%m-%d}", "time": "10:00",
            "hours": float(HOURS), "link": "https://meet.runtogether.example/dev-day", "audience": "mentors",
            "timezone": "Europe/London"})
        await result.wait_answer(timeout=20)
        found = [e.id for e in guild.scheduled_events.values() if e.name == TITLE]
        if not found:
            self.demo.state.organiser_notes.append(f"/event create did not create the event: {result.content[:120]}")
            return
        self.discord_id = found[0]
        self.demo.state.counts["events scheduled"] += 1
        for persona in self._mentors():
            if persona.id in guild.members and self.rng.random() < 0.4:
                persona.mark_interested(self.discord_id)
                self.demo.state.counts["marked interested"] += 1

    async def _answer_dms(self) -> None:
        for persona in list(self.demo.personas.values()):
            for msg in persona.dms():
                if msg.id in self.seen or "ref:ev" not in msg.content:
                    continue
                self.seen.add(msg.id)
                ids = [str(c.get("custom_id")) for c in walk_components(msg.components) if c.get("type") == 2]
                rsvp = {i.split(":")[1]: i for i in ids if i.startswith("eventrsvp:")}  # whatever the labels say
                feedback = [i for i in ids if i.startswith("eventfb:")]
                if rsvp:
                    self.demo.state.counts["event reminders"] += 1
                    roll = self.rng.random()
                    if roll < 0.3:
                        await self._click(persona, rsvp["yes"], msg, "said they'll be there")
                    elif roll < 0.45:
                        await self._click(persona, rsvp["no"], msg, "can't make it")
                elif feedback:
                    await self._click(persona, self.rng.choice(feedback), msg, "event feedback answers")

    async def _click(self, persona: Persona, label: str, msg: Message, count: str) -> None:
        try:
            await persona.click(label, message=msg, timeout=10)
            self.demo.state.counts[count] += 1
        except Exception as exc:
            log.info("%s could not click %s: %s", persona.name, label, exc)

    async def _play_the_day(self) -> None:
        """The last reminders, the start, the end, attendance and the feedback question, on the clock."""
        self.played = True
        bot, clock = self.world.bot, self.world.clock
        for when in (START - timedelta(hours=1), START, START + timedelta(hours=HOURS)):
            clock.advance_to(when)
            await bot.tick("event-run")
            await self._answer_dms()
        await self._mark_attendance()
        clock.advance_to(START + timedelta(hours=HOURS + 1))
        await bot.tick("event-run")
        await self._answer_dms()

    async def _mark_attendance(self) -> None:
        organiser, guild = self.world.organiser, self.world.guild
        if organiser is None or guild is None:
            return
        async with self.world.bot.sessions() as session:
            event = await q.event_by_discord_id(session=session, discord_event_id=self.discord_id or 0)
            if event is None:
                return
            rsvps = await q.rsvps_of_event(session=session, event_id=require_id(event))
            came = []
            for r in rsvps:
                person = await people.get_person(session=session, person_id=r.person_id)
                if r.response in ("interested", "going") and person is not None and person.discord_user_id:
                    came.append(person.discord_user_id)
        for uid in came:
            if self.rng.random() < 0.8 and uid in guild.members:
                member = self.world.discord.state.users[uid]
                result = await organiser.slash("event", "attendance", guild=guild, timeout=20,
                                               options={"event": require_id(event), "member": member})
                await result.wait_answer(timeout=20)
                self.demo.state.counts["marked attended"] += 1


async def events_report(world: SandboxWorld) -> list[dict[str, Any]]:
    """Each programme event with its numbers, for the demo's report."""
    programme = world.bot.services.programmes.all()[0]
    out: list[dict[str, Any]] = []
    async with world.bot.sessions() as session:
        for e in await q.events_in_programme(session=session, programme_id=programme.id):
            rsvps = await q.rsvps_of_event(session=session, event_id=require_id(e))
            msgs = await q.messages_of_event(session=session, event_id=require_id(e))
            sent = [m for m in msgs if m.status == "sent"]
            out.append({
                "title": e.title, "kind": e.kind, "audience": e.audience, "status": e.status,
                "starts_at": e.starts_at.isoformat(), "discord_event_id": str(e.discord_event_id),
                "interested": sum(r.response == "interested" for r in rsvps),
                "going": sum(r.response == "going" for r in rsvps),
                "declined": sum(r.response == "declined" for r in rsvps),
                "attended": sum(bool(r.attended) for r in rsvps),
                "feedback": sum(r.feedback is not None for r in rsvps),
                "reminders_sent": {p: sum(m.kind == "reminder" and m.point == p for m in sent)
                                   for p in sorted({m.point for m in msgs if m.kind == "reminder"})},
                "start_links_sent": sum(m.kind == "start" for m in sent),
                "feedback_questions_sent": sum(m.kind == "feedback" for m in sent),
            })
    return out
