"""The workflows of programme events (see the package docstring)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.community.reminders import local_when, point_window, reminder_due
from bot.nudges.quiet import get_zone, next_allowed, zone_of
from bot.onboarding.safe_text import safe_text
from bot.services.dm_reach import dms_closed_now
from bot.services.events.port import VOICE, EventDelivery, EventsPort
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.services.rounds import RoundError, RoundService
from bot.services.scheduled_dms import Claimed, ClaimLedger, ScheduledDmDispatcher, worker_name
from bot.voice import EventWords
from bot.voice.words.events import FEEDBACK_KEYS
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import (
    EventAudience,
    EventKind,
    EventMessage,
    EventMessageKind,
    EventRsvp,
    EventStatus,
    MatchStatus,
    Person,
    PersonStatus,
    ProgrammeEvent,
    RsvpResponse,
)
from storage.queries import audit, matching, onboarding, people
from storage.queries import events as q
from storage.queries import rounds as round_queries
from storage.queries.events import WHILE_PAUSED

log = logging.getLogger(__name__)

#: the feedback question's answers, as stored (their words are the programme's: ``EventWords.feedback_*``)
FEEDBACK_ANSWERS = FEEDBACK_KEYS
STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 3
PAUSED_OR_GONE = (PersonStatus.PAUSED, PersonStatus.LEFT)
#: what a paused person is not sent (a cancellation or the feedback question still reaches them)
NOT_WHILE_PAUSED = (EventMessageKind.REMINDER, EventMessageKind.START)


class EventError(Exception):
    """Something an organiser or a member should be told in plain words."""


@dataclass(frozen=True)
class EventDraft:
    title: str
    kind: EventKind
    local_start: datetime  # naive: the organiser's wall clock
    zone: str
    hours: float
    online: bool
    location: str
    audience: EventAudience
    prerequisite: str | None = None


@dataclass(frozen=True)
class EventSummary:
    event: ProgrammeEvent
    interested: int
    going: int
    declined: int
    attended: int
    reminders_sent: int


def where_text(event: ProgrammeEvent, words: EventWords) -> str:
    """Where the event is held, in the programme's words (its link, voice channel or place)."""
    return words.say("where_online", link=event.location) if event.online else \
        words.say("where_place", place=event.location)


def event_words(programme: Programme | None) -> EventWords:
    """The programme's words for its events (an event whose programme is gone: the neutral ones)."""
    return programme.config.messages().events if programme is not None else EventWords()


class EventService:
    max_attempts = MAX_ATTEMPTS
    retry_delay = timedelta(minutes=2)
    stale_after = STALE_CLAIM

    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock,
                 rounds: RoundService) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self._rounds = rounds
        self.worker = worker_name()
        self.ledger = ClaimLedger(EventMessage, sessions, clock, self)
        self._dispatcher: ScheduledDmDispatcher[EventMessage, EventDelivery] | None = None

    # ---- organisers ---------------------------------------------------------------------------------------------
    async def organiser_zone(self, programme: Programme, discord_user_id: int) -> str | None:
        """The time zone in the organiser's own profile, if they have one in this programme."""
        async with self._sessions() as session:
            person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                        discord_user_id=discord_user_id)
            profile = None if person is None else await people.get_profile(
                session=session, person_id=require_id(person), programme_id=programme.id)
        zone = (profile.answers if profile else {}).get("timezone")
        return str(zone) if zone else None

    async def create(self, programme: Programme, draft: EventDraft, port: EventsPort, *, by: int) -> ProgrammeEvent:
        """Check the draft, store the event, create it in Discord (its Scheduled Event) and remember its id."""
        title = draft.title.strip()
        if not 1 <= len(title) <= 100:
            raise EventError("The title must be 1 to 100 characters.")
        try:
            tz = get_zone(draft.zone)
        except ValueError:
            raise EventError(f"I don't know the time zone {safe_text(draft.zone, 40)!r} — try e.g. Europe/London.") \
                from None
        starts = draft.local_start.replace(tzinfo=tz)
        now = self._clock.now()
        if starts <= now + timedelta(minutes=5):
            raise EventError("That time has already passed (or is only minutes away) — pick a time in the future.")
        if not 0.25 <= draft.hours <= 24:
            raise EventError("An event lasts between a quarter of an hour and 24 hours.")
        location = draft.location.strip()
        if not location:
            raise EventError("Give the link (online) or the place (in person).")
        if draft.online and not location.startswith(("https://", "http://")) and not VOICE.match(location):
            raise EventError("An online event needs its link, starting with https://")
        round_id: int | None = None
        async with transaction(self._sessions) as session:
            if draft.audience == EventAudience.ROUND or draft.prerequisite:
                current = await round_queries.current_round(session=session, programme_id=programme.id)
                if draft.audience == EventAudience.ROUND and current is None:
                    raise EventError("There is no open round: open one with `/programme round open` first.")
                round_id = require_id(current) if current is not None else None
            row = await q.add_event(session=session, event=ProgrammeEvent(
                programme_id=programme.id, title=title, kind=draft.kind, audience=draft.audience,
                cohort_round_id=round_id, prerequisite=(draft.prerequisite or "").strip().lower().replace(" ", "-")
                or None, starts_at=starts, ends_at=starts + timedelta(hours=draft.hours), zone=draft.zone,
                online=draft.online, location=location[:500], created_at=now))
        discord_id = await port.create(programme, row)
        async with transaction(self._sessions) as session:
            await q.set_discord_id(session=session, event_id=require_id(row), discord_event_id=discord_id)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=by,
                                        action="event.create", detail={"event": row.id, "kind": draft.kind}, now=now)
        row.discord_event_id = discord_id
        return row

    async def summaries(self, programme: Programme, *, upcoming_only: bool = True) -> list[EventSummary]:
        statuses = (EventStatus.SCHEDULED, EventStatus.STARTED) if upcoming_only else None
        out: list[EventSummary] = []
        async with self._sessions() as session:
            for e in await q.events_in_programme(session=session, programme_id=programme.id, statuses=statuses):
                rsvps = await q.rsvps_of_event(session=session, event_id=require_id(e))
                sent = [m for m in await q.messages_of_event(session=session, event_id=require_id(e))
                        if m.kind == EventMessageKind.REMINDER and m.status == "sent"]
                out.append(EventSummary(
                    e, sum(r.response == RsvpResponse.INTERESTED for r in rsvps),
                    sum(r.response == RsvpResponse.GOING for r in rsvps),
                    sum(r.response == RsvpResponse.DECLINED for r in rsvps), sum(bool(r.attended) for r in rsvps),
                    len(sent)))
        return out

    async def _event_of(self, session: object, programme: Programme, event_id: int) -> ProgrammeEvent:
        e = await q.get_event(session=session, event_id=event_id)  # type: ignore[arg-type]
        if e is None or e.programme_id != programme.id:
            raise EventError(f"There is no event #{event_id} in {programme.config.name} — see `/event list`.")
        return e

    async def cancel(self, programme: Programme, event_id: int, port: EventsPort, *, by: int) -> int:
        """Cancel an upcoming event: Discord's event is cancelled, its reminders stop, and everyone interested
        or going is told (in their daytime). Returns how many will be told."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            e = await self._event_of(session, programme, event_id)
            if not await q.move_status(session=session, event_id=event_id, old=EventStatus.SCHEDULED,
                                       new=EventStatus.CANCELLED, now=now):
                raise EventError(f"**{safe_text(e.title, 100)}** has already {e.status} — only an upcoming event "
                                 "can be cancelled.")
            await q.cancel_pending(session=session, event_id=event_id)
            told = await self._plan_to_answered(session, programme, e, EventMessageKind.CANCELLED, now, daytime=True)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=by,
                                        action="event.cancel", detail={"event": event_id}, now=now)
        if e.discord_event_id:
            await port.set_status(programme, e.discord_event_id, "cancelled")
        return told

    async def cancelled_in_discord(self, guild_id: int, discord_event_id: int) -> bool:
        """Someone cancelled or deleted the event in Discord itself: ours is cancelled too (reminders stop, those
        interested are told), as if an organiser had used ``/event cancel``."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            e = await q.event_by_discord_id(session=session, discord_event_id=discord_event_id)
            programme = self._registry.by_id(e.programme_id) if e is not None else None
            if e is None or programme is None or programme.guild_id != guild_id:
                return False
            if not await q.move_status(session=session, event_id=require_id(e), old=EventStatus.SCHEDULED,
                                       new=EventStatus.CANCELLED, now=now):
                return False
            await q.cancel_pending(session=session, event_id=require_id(e))
            await self._plan_to_answered(session, programme, e, EventMessageKind.CANCELLED, now, daytime=True)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=None,
                                        action="event.cancel", detail={"event": e.id, "in": "discord"}, now=now)
        return True

    async def mark_attendance(self, programme: Programme, event_id: int, discord_user_id: int, attended: bool,
                              *, by: int) -> str:
        """An organiser marks who came. Attending a training event with a prerequisite records it for the round;
        attendees are asked one question afterwards."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            e = await self._event_of(session, programme, event_id)
            if e.status == EventStatus.CANCELLED:
                raise EventError("That event was cancelled.")
            if e.starts_at > now:
                raise EventError("Attendance can be marked once the event has started.")
            person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                        discord_user_id=discord_user_id)
            if person is None or person.status == PersonStatus.LEFT:
                raise EventError("That person is not in this programme.")
            row = await q.ensure_rsvp(session=session, event_id=event_id, person_id=require_id(person))
            row.attended, row.attendance_at = attended, now
            session.add(row)
            if attended:
                profile = await people.get_profile(session=session, person_id=require_id(person),
                                                   programme_id=programme.id)
                due = self._daytime(programme, profile.answers if profile else {},
                                    max(now, e.ends_at + timedelta(hours=programme.config.events.feedback_after_hours)))
                await q.add_messages(session=session, messages=[EventMessage(
                    event_id=event_id, person_id=require_id(person), kind=EventMessageKind.FEEDBACK, due_at=due)])
            else:
                await q.cancel_pending(session=session, event_id=event_id, person_id=require_id(person),
                                       kinds=(EventMessageKind.FEEDBACK,))
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=by,
                                        action="event.attendance",
                                        detail={"event": event_id, "person_id": person.id, "attended": attended},
                                        now=now)
        text = f"Marked <@{discord_user_id}> as {'attended' if attended else 'not attended'}."
        if attended and e.prerequisite:
            try:
                await self._rounds.mark_done(programme, discord_user_id, e.prerequisite, by=by)
                text += f" Their **{e.prerequisite.replace('-', ' ')}** now counts for the round."
            except RoundError as exc:
                text += f" (Not recorded for the round: {exc})"
        return text

    # ---- members ------------------------------------------------------------------------------------------------
    async def record_interest(self, guild_id: int, discord_event_id: int, discord_user_id: int,
                              interested: bool) -> bool:
        """Someone marked (or unmarked) "Interested" in Discord. False when the event or person is not ours."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            e = await q.event_by_discord_id(session=session, discord_event_id=discord_event_id)
            programme = self._registry.by_id(e.programme_id) if e is not None else None
            if e is None or programme is None or programme.guild_id != guild_id:
                return False
            person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                        discord_user_id=discord_user_id)
            if person is None:
                return False
            row = await q.rsvp_of(session=session, event_id=require_id(e), person_id=require_id(person))
            if interested and (row is None or row.response is None):
                await q.set_response(session=session, event_id=require_id(e), person_id=require_id(person),
                                     response=RsvpResponse.INTERESTED, now=now)
            elif not interested and row is not None and row.response == RsvpResponse.INTERESTED:
                await q.set_response(session=session, event_id=require_id(e), person_id=require_id(person),
                                     response=None, now=now)
        return True

    async def answer(self, event_id: int, discord_user_id: int, going: bool) -> str:
        """A reminder's "I'll be there" / "Can't make it". Declining stops the reminders."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            e = await q.get_event(session=session, event_id=event_id)
            words = event_words(self._registry.by_id(e.programme_id) if e is not None else self._only())
            if e is None:
                return words.gone
            person = await people.get_person_by_discord(session=session, programme_id=e.programme_id,
                                                        discord_user_id=discord_user_id)
            if person is None:
                return words.not_member
            if e.status in (EventStatus.CANCELLED, EventStatus.ENDED):
                return words.say("already_cancelled" if e.status == EventStatus.CANCELLED else "already_ended",
                                 event=safe_text(e.title, 100))
            await q.set_response(session=session, event_id=event_id, person_id=require_id(person),
                                 response=RsvpResponse.GOING if going else RsvpResponse.DECLINED, now=now)
            if not going:
                await q.cancel_pending(session=session, event_id=event_id, person_id=require_id(person),
                                       kinds=(EventMessageKind.REMINDER,))
        return words.going if going else words.not_going

    async def feedback(self, row_id: int, discord_user_id: int, answer: str) -> str:
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            msg = await q.get_message(session=session, message_id=row_id)
            e = None if msg is None else await q.get_event(session=session, event_id=msg.event_id)
            words = event_words(self._registry.by_id(e.programme_id) if e is not None else self._only())
            person = None if msg is None else await people.get_person(session=session, person_id=msg.person_id)
            if msg is None or person is None or person.discord_user_id != discord_user_id \
                    or answer not in FEEDBACK_ANSWERS:
                return words.feedback_not_yours
            row = await q.ensure_rsvp(session=session, event_id=msg.event_id, person_id=msg.person_id)
            first = row.feedback is None
            row.feedback, row.feedback_at = answer, now
            session.add(row)
        return words.feedback_thanks if first else words.feedback_updated

    def _only(self) -> Programme | None:
        """The bot's one programme (whose words answer a click on something gone); with several, none."""
        running = self._registry.all()
        return running[0] if len(running) == 1 else None

    # ---- the clock ----------------------------------------------------------------------------------------------
    async def run(self, port: EventsPort) -> int:
        """One run: start and end events that are due, learn who is interested, plan the reminders that are due,
        and send every due message (each exactly once, by the shared dispatcher). Returns how many messages were
        claimed."""
        for programme in self._registry.all():
            try:
                await self._advance(programme, port)
            except Exception:
                log.exception("events of %s could not be advanced", programme.key)
        if self._dispatcher is None or self._dispatcher.channels is not port:
            self._dispatcher = ScheduledDmDispatcher(self, self._registry, port, what="event messages",
                                                     worker=self.worker)
        return await self._dispatcher.run()

    async def _advance(self, programme: Programme, port: EventsPort) -> None:
        now = self._clock.now()
        async with self._sessions() as session:
            live = await q.events_in_programme(session=session, programme_id=programme.id,
                                               statuses=(EventStatus.SCHEDULED, EventStatus.STARTED))
        for e in live:
            eid = require_id(e)
            if e.status == EventStatus.SCHEDULED and e.discord_event_id:
                await self._sync_interest(programme, e, port)
            if e.status == EventStatus.SCHEDULED and e.starts_at <= now:
                async with transaction(self._sessions) as session:
                    moved = await q.move_status(session=session, event_id=eid, old=EventStatus.SCHEDULED,
                                                new=EventStatus.STARTED, now=now)
                    if moved:
                        await q.cancel_pending(session=session, event_id=eid, kinds=(EventMessageKind.REMINDER,))
                        await self._plan_to_answered(session, programme, e, EventMessageKind.START, now, daytime=False,
                                                     going_only=True)
                if moved:
                    if e.discord_event_id:
                        await port.set_status(programme, e.discord_event_id, "active")
                    voice = programme.config.messages()
                    await port.announce(programme, e, voice.say("event_starting", event=safe_text(e.title, 100),
                                                                where=where_text(e, voice.events),
                                                                programme=programme.config.name))
                e.status = EventStatus.STARTED
            if e.status == EventStatus.STARTED and e.ends_at <= now:
                async with transaction(self._sessions) as session:
                    moved = await q.move_status(session=session, event_id=eid, old=EventStatus.STARTED,
                                                new=EventStatus.ENDED, now=now)
                if moved and e.discord_event_id:
                    await port.set_status(programme, e.discord_event_id, "completed")
            elif e.status == EventStatus.SCHEDULED:
                await self._plan_reminders(programme, e, now)

    async def _sync_interest(self, programme: Programme, e: ProgrammeEvent, port: EventsPort) -> None:
        """Catch up with Discord's list of who is interested (events missed while away converge here)."""
        assert e.discord_event_id is not None
        try:
            ids = await port.interested(programme, e.discord_event_id)
        except Exception as exc:
            log.warning("could not read who is interested in event %s: %s", e.id, exc)
            return
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            rows = {r.person_id: r for r in await q.rsvps_of_event(session=session, event_id=require_id(e))}
            for person, _profile in await people.profiles_in_programme(session=session, programme_id=programme.id):
                if person.discord_user_id is None:
                    continue
                row = rows.get(require_id(person))
                marked = person.discord_user_id in ids
                if marked and (row is None or row.response is None):
                    await q.set_response(session=session, event_id=require_id(e), person_id=require_id(person),
                                         response=RsvpResponse.INTERESTED, now=now)
                elif not marked and row is not None and row.response == RsvpResponse.INTERESTED:
                    await q.set_response(session=session, event_id=require_id(e), person_id=require_id(person),
                                         response=None, now=now)

    async def _audience(self, session: object, programme: Programme,
                        e: ProgrammeEvent) -> list[tuple[Person, dict[str, object]]]:
        """Who the event is for: people active in the programme (everyone), those who mentor, or the round's."""
        rows = await people.profiles_in_programme(session=session, programme_id=programme.id)  # type: ignore[arg-type]
        out = [(p, dict(prof.answers)) for p, prof in rows
               if p.discord_user_id is not None and p.status == PersonStatus.ACTIVE]
        if e.audience == EventAudience.MENTORS:
            out = [(p, a) for p, a in out if programme.spec.person(a, person_id=str(p.id)).can_mentor]
        elif e.audience == EventAudience.ROUND and e.cohort_round_id is not None:
            cohort = await round_queries.rounds_of_programme(session=session,  # type: ignore[arg-type]
                                                             programme_id=programme.id)
            this = next((r for r in cohort if r.id == e.cohort_round_id), None)
            if this is not None and this.status == "matched":
                pairs = (await round_queries.match_people_by_round(
                    session=session, programme_id=programme.id)).get(e.cohort_round_id, [])  # type: ignore[arg-type]
                ids = {pid for pair in pairs for pid in pair}
                out = [(p, a) for p, a in out if p.id in ids]
        return out

    async def _recipients(self, session: object, programme: Programme, e: ProgrammeEvent, *,
                          answered_only: bool = False, going_only: bool = False
                          ) -> list[tuple[Person, dict[str, object]]]:
        """Reminders: those interested or going, and the audience who have not answered; never who declined, nor
        anyone paused (planned once they are back, while the moment is still ahead)."""
        eid = require_id(e)
        rsvps: dict[int, EventRsvp] = {r.person_id: r for r in await q.rsvps_of_event(session=session,  # type: ignore[arg-type]
                                                                                         event_id=eid)}
        everyone = {require_id(p): (p, a) for p, a in
                    [(p, dict(prof.answers)) for p, prof in await people.profiles_in_programme(
                        session=session, programme_id=programme.id)]  # type: ignore[arg-type]
                    if p.discord_user_id is not None and p.status not in PAUSED_OR_GONE}
        chosen = {pid: everyone[pid] for pid, r in rsvps.items() if pid in everyone
                  and r.response in (RsvpResponse.INTERESTED, RsvpResponse.GOING)}
        if not answered_only and not going_only:
            for p, a in await self._audience(session, programme, e):
                pid = require_id(p)
                if pid not in rsvps or rsvps[pid].response is None:
                    chosen.setdefault(pid, (p, a))
        return [chosen[k] for k in sorted(chosen)]

    def _daytime(self, programme: Programme, answers: dict[str, object], when: datetime) -> datetime:
        return next_allowed(when, zone_of(answers), programme.config.quiet_hours)

    async def _plan_to_answered(self, session: object, programme: Programme, e: ProgrammeEvent,
                                kind: EventMessageKind, now: datetime, *, daytime: bool,
                                going_only: bool = False) -> int:
        people_ = await self._recipients(session, programme, e, answered_only=True, going_only=going_only)
        if not daytime:  # sent now or never (the link at the start): not to those for whom it is night
            people_ = [(p, a) for p, a in people_ if self._daytime(programme, a, now) == now]
        rows = [EventMessage(event_id=require_id(e), person_id=require_id(p), kind=kind,
                             due_at=self._daytime(programme, a, now) if daytime else now) for p, a in people_]
        return await q.add_messages(session=session, messages=rows)  # type: ignore[arg-type]

    async def _plan_reminders(self, programme: Programme, e: ProgrammeEvent, now: datetime) -> int:
        """Plan each reminder point whose window is open now (once per person: the unique key)."""
        points = programme.config.events.points()
        added = 0
        for label, _lead in points:
            opens, closes = point_window(e.starts_at, points, label)
            if not opens <= now < closes or opens < e.created_at - timedelta(minutes=1):
                continue  # not yet, already over, or it had passed when the event was created
            async with transaction(self._sessions) as session:
                done = await q.planned_people(session=session, event_id=require_id(e), kind=EventMessageKind.REMINDER,
                                              point=label)
                rows = []
                for p, answers in await self._recipients(session, programme, e):
                    if require_id(p) in done:
                        continue
                    due = reminder_due(opens, e.starts_at, zone_of(answers),
                                       programme.config.quiet_hours, now)
                    if due is not None:
                        rows.append(EventMessage(event_id=require_id(e), person_id=require_id(p),
                                                 kind=EventMessageKind.REMINDER, point=label, due_at=due))
                added += await q.add_messages(session=session, messages=rows)
        return added

    # ---- the rows of the shared dispatcher (bot.services.scheduled_dms) -------------------------------------------
    async def claim_due(self, worker: str, limit: int) -> list[Claimed[EventMessage]]:
        async with transaction(self._sessions) as session:
            claimed = await q.claim_due(session=session, now=self._clock.now(), worker=worker, limit=limit)
            programmes = {eid: e.programme_id for eid in {m.event_id for m in claimed}
                          if (e := await q.get_event(session=session, event_id=eid)) is not None}
        return [Claimed(m, require_id(m), m.attempts, programmes.get(m.event_id, 0), m.person_id,
                        label=f"event {m.kind} for person #{m.person_id}") for m in claimed]

    async def prepare_group(self, group: list[Claimed[EventMessage]]) -> list[EventDelivery]:
        out = []
        for c in group:
            delivery = await self._prepare(c.row)
            if isinstance(delivery, EventDelivery):
                out.append(delivery)
                continue
            async with transaction(self._sessions) as session:
                if delivery == WHILE_PAUSED:  # planned again if its moment is still ahead when they are back
                    await q.hold_back_while_paused(session=session, message_id=c.row_id)
                else:
                    await q.mark_failed(session=session, message_id=c.row_id, error="no longer needed")
        return out

    async def record_sent_rows(self, row_ids: list[int], channel_id: int, message_id: int) -> None:
        async with transaction(self._sessions) as session:
            for rid in row_ids:
                await q.mark_sent(session=session, message_id=rid, now=self._clock.now(), channel_id=channel_id,
                                  discord_message_id=message_id)

    async def _prepare(self, msg: EventMessage) -> EventDelivery | str | None:
        """The delivery; None when no longer needed; :data:`WHILE_PAUSED` when its person is paused."""
        async with self._sessions() as session:
            e = await q.get_event(session=session, event_id=msg.event_id)
            person = await people.get_person(session=session, person_id=msg.person_id)
            if e is None or person is None or person.discord_user_id is None or person.status == PersonStatus.LEFT:
                return None
            programme = self._registry.by_id(e.programme_id)
            profile = await people.get_profile(session=session, person_id=msg.person_id, programme_id=e.programme_id)
            rsvp = await q.rsvp_of(session=session, event_id=msg.event_id, person_id=msg.person_id)
            closed = dms_closed_now(person, self._clock.now())
            dm = None if closed else await onboarding.known_dm_channel(session=session, person_id=msg.person_id)
            space = next((m.space_id for m in await matching.matches_of_person(session=session,
                                                                                 person_id=msg.person_id)
                          if m.status == MatchStatus.ACTIVE and m.space_id is not None), None)
        if programme is None:
            return None
        if person.status == PersonStatus.PAUSED and msg.kind in NOT_WHILE_PAUSED:
            return WHILE_PAUSED
        if msg.kind == EventMessageKind.REMINDER and (e.status != EventStatus.SCHEDULED or (
                rsvp is not None and rsvp.response == RsvpResponse.DECLINED)):
            return None
        voice = programme.config.messages()
        zone = zone_of(profile.answers if profile else None)
        values = {"name": safe_text(person.display_name, 60), "event": safe_text(e.title, 100),
                  "programme": programme.config.name}
        buttons = ""
        if msg.kind == EventMessageKind.REMINDER:
            text = voice.say("event_reminder", **values, kind=voice.events.kind(str(e.kind)),
                             when=local_when(e.starts_at, zone), where=where_text(e, voice.events))
            buttons = "rsvp" if rsvp is None or rsvp.response != RsvpResponse.GOING else ""
        elif msg.kind == EventMessageKind.START:
            text = voice.say("event_starting", event=values["event"], where=where_text(e, voice.events),
                             programme=programme.config.name)
        elif msg.kind == EventMessageKind.FEEDBACK:
            text = voice.say("event_feedback", **values)
            buttons = "feedback"
        else:
            text = voice.say("event_cancelled", **values, when=local_when(e.starts_at, zone))
        return EventDelivery(require_id(msg), require_id(e), msg.kind, person.discord_user_id, text, buttons,
                             msg.attempts, programme, msg.person_id, dm, closed, space)
