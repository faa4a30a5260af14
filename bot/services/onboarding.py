"""The onboarding conversation, persisted: the pure flow (bot.onboarding.flow) plus storage.

Every state change is a guarded update on the session's step counter, so two clicks, a click and a typed
answer, or two bot processes can never both apply: the loser re-reads and re-applies (or gets a notice).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.nudges.quiet import is_quiet
from bot.onboarding import flow
from bot.onboarding.flow import FlowState, Step
from bot.onboarding.recent import Known, RecentInterviews
from bot.onboarding.validate import AnswerValue
from bot.services.dm_reach import dms_closed_now
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.timezones import is_valid_zone
from storage.db import SessionFactory, transaction
from storage.group_commit import GroupCommit
from storage.ids import require_id
from storage.models import OnboardingSession, OnboardingStatus, PersonStatus
from storage.queries import audit, onboarding, people

log = logging.getLogger(__name__)

Action = Literal["answer", "change", "confirm", "back", "show"]


@dataclass
class Conversation:
    """Where one person's interview is, and what to show them now."""

    programme: Programme
    person_id: int
    session_id: int
    step: Step
    channel_id: int | None
    in_thread: bool
    created: bool = False
    finished_now: bool = False
    #: the reach rule's answer when the interview began (:func:`bot.services.dm_reach.dms_closed_now`): a new
    #: conversation goes straight to a private thread, no DM tried
    dms_closed: bool = False
    #: when the conversation was created (a join after it is a rejoin; a conversation created after the join
    #: was made by whoever welcomed that join)
    began_at: datetime | None = None


@dataclass
class Reminder:
    programme: Programme
    session_id: int
    person_id: int
    discord_user_id: int
    display_name: str
    channel_id: int | None
    number: int


def person_zone(state: dict[str, object], programme: Programme) -> str:
    """The person's time zone when they have given it, else the programme's own (its digest zone)."""
    answers = state.get("answers")
    zone = answers.get("timezone") if isinstance(answers, dict) else None
    if isinstance(zone, str) and is_valid_zone(zone):
        return zone
    return programme.config.digest.zone


@dataclass(frozen=True)
class OpenInterview:
    """The interview a typed message belongs to; ``shared``: another one runs in the same channel."""

    programme: Programme
    shared: bool = False


def _apply(programme: Programme, state: FlowState, action: Action, raw: object, key: str | None,
           now: datetime) -> tuple[FlowState, Step]:
    """One action of the person on their conversation's state (the pure flow)."""
    qs, today = programme.questions, now.date()
    words = programme.config.messages().answers
    if action == "answer":
        return flow.answer(qs, state, raw, key=key, today=today, words=words)
    if action == "change":
        return flow.change(qs, state, key or "", today=today, words=words)
    if action == "confirm":
        return flow.confirm(qs, state, now, today=today, words=words)
    if action == "back":
        return flow.back_to_summary(qs, state, today=today, words=words)
    return state, flow.current_step(qs, state, today=today, words=words)


class OnboardingService:
    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock,
                 writes: GroupCommit | None = None) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        #: an answer's write and the question's shown are committed with those of others answering at that moment
        self._writes = writes or GroupCommit(sessions)
        #: the conversations this process last read or wrote: an answer is written with no read before it
        self._recent = RecentInterviews()

    async def begin(
        self,
        programme: Programme,
        discord_user_id: int,
        display_name: str,
        suggestions: dict[str, AnswerValue] | None = None,
        username: str | None = None,
    ) -> Conversation:
        """Start (or find) the person's one conversation in ``programme``. A member new to the programme
        whose Discord ``username`` an organiser's import gave is linked to that imported person: their
        interview starts pre-filled with the imported answers, and asks for their consent."""
        for _ in range(4):
            try:
                conv = await self._begin_once(programme, discord_user_id, display_name, suggestions, username)
            except IntegrityError:  # another event or process created the person/interview at this moment
                conv = None
            if conv is not None:
                return conv
        raise RuntimeError(f"the conversation of {discord_user_id} kept changing while it was (re)started")

    async def _begin_once(
        self,
        programme: Programme,
        discord_user_id: int,
        display_name: str,
        suggestions: dict[str, AnswerValue] | None,
        username: str | None = None,
    ) -> Conversation | None:
        now = self._clock.now()
        today = now.date()
        async with transaction(self._sessions) as session:
            imported: dict[str, AnswerValue] | None = None
            if username and await people.get_person_by_discord(
                    session=session, programme_id=programme.id, discord_user_id=discord_user_id) is None:
                imported = await self._link_imported(session, programme, discord_user_id, display_name, username)
            person, _ = await people.get_or_create_person(
                session=session, programme_id=programme.id, discord_user_id=discord_user_id,
                display_name=display_name, now=now,
            )
            if imported is not None:
                state, step = flow.start(programme.questions, {**imported, **(suggestions or {})}, today=today,
                                         suggestions_from="import")
            else:
                state, step = flow.start(programme.questions, suggestions, today=today)
            row, created = await onboarding.get_or_create_session(
                session=session, person_id=require_id(person), programme_id=programme.id,
                state=state.model_dump(mode="json"), now=now,
            )
            known_step, known_state = row.step, row.state  # as stored once this commits
            if created:
                if person.status == PersonStatus.JOINED:
                    await people.set_person_status(session=session, person_id=require_id(person), status=PersonStatus.ONBOARDING,
                                                   now=now)
            else:
                stored = FlowState.model_validate(row.state)
                if suggestions and not stored.answers and not stored.suggestions:
                    stored = stored.model_copy(update={"suggestions": dict(suggestions)})
                    known_state = stored.model_dump(mode="json")
                    if not await onboarding.save_state(session=session, session_id=require_id(row),
                                                       expected_step=known_step, state=known_state, now=now):
                        return None  # a typed answer moved it at the same moment: re-read and try again
                    known_step += 1
                step = flow.current_step(programme.questions, stored, today=today,
                                         words=programme.config.messages().answers)
        # the first answer is then written with no read before it
        self._recent.remember(programme.id, discord_user_id,
                              Known(require_id(person), require_id(row), known_step, known_state))
        return Conversation(programme, require_id(person), require_id(row), step, row.channel_id, row.in_thread, created,
                            dms_closed=dms_closed_now(person, now), began_at=row.created_at)

    async def _link_imported(self, session: AsyncSession, programme: Programme, discord_user_id: int,
                             display_name: str, username: str) -> dict[str, AnswerValue] | None:
        """Link a joining member to the imported row with their username: its answers (to suggest in the
        interview), or ``None`` when no imported row has that username."""
        now = self._clock.now()
        linked = await people.claim_imported(session=session, programme_id=programme.id, username=username.lower(),
                                             discord_user_id=discord_user_id, display_name=display_name, now=now)
        if linked is None:
            return None
        imported = await people.get_profile(session=session, person_id=require_id(linked), programme_id=programme.id)
        await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=discord_user_id,
                                    action="person.link_import", detail={"person_id": linked.id}, now=now)
        return dict(imported.answers) if imported is not None else {}

    async def act(
        self,
        programme: Programme,
        discord_user_id: int,
        action: Action,
        raw: object = None,
        key: str | None = None,
    ) -> Conversation | None:
        """Apply one action of the person to their conversation. ``None`` when they have none here.

        An answer to a conversation this process last read or wrote is one guarded update (no read before it);
        when someone else moved the conversation since, or nothing is to be written, or it ends now, the row is
        read first, as always."""
        known = self._recent.get(programme.id, discord_user_id)
        if known is not None:
            conv = await self._act_on_known(programme, discord_user_id, known, action, raw, key)
            if conv is not None:
                return conv
        for _ in range(5):
            now = self._clock.now()
            async with transaction(self._sessions) as session:
                found = await onboarding.interview_of(session=session, programme_id=programme.id,
                                                      discord_user_id=discord_user_id)
                if found is None:
                    self._recent.forget(programme.id, discord_user_id)
                    return None
                person, row = found
                expected = row.step  # (the update below may refresh the loaded row)
                state = FlowState.model_validate(row.state)
                new_state, step = _apply(programme, state, action, raw, key, now)
                conv = Conversation(programme, require_id(person), require_id(row), step, row.channel_id, row.in_thread)
                if new_state == state and not isinstance(step, flow.Done):
                    self._remember(programme, discord_user_id, conv, expected, row.state)
                    return conv  # nothing changed (a notice, a re-render): no write
                finished = isinstance(step, flow.Done)
                stored = new_state.model_dump(mode="json")
                saved = await onboarding.save_state(
                    session=session, session_id=require_id(row), expected_step=expected,
                    state=stored, now=now,
                    status=OnboardingStatus.COMPLETED if finished else None,
                )
                if not saved:
                    continue  # someone else moved the conversation: re-read and re-apply
                if isinstance(step, flow.Done):
                    await people.upsert_profile(
                        session=session, person_id=require_id(person), programme_id=programme.id,
                        answers=dict(step.answers), consent_at=step.consent_at, now=now,
                    )
                    if person.status in (PersonStatus.JOINED, PersonStatus.ONBOARDING):
                        await people.set_person_status(session=session, person_id=require_id(person), status=PersonStatus.ACTIVE,
                                                       now=now)
                    await audit.add_audit_event(
                        session=session, programme_id=programme.id, actor_discord_id=discord_user_id,
                        action="onboarding.complete", detail={"person_id": person.id}, now=now,
                    )
                    conv.finished_now = True
            # remembered once committed: a rolled-back write must not be taken for the stored state
            self._remember(programme, discord_user_id, conv, expected + 1, stored)
            return conv
        self._recent.forget(programme.id, discord_user_id)
        log.warning("conversation of %s kept changing under us", discord_user_id)
        return None

    async def _act_on_known(self, programme: Programme, discord_user_id: int, known: Known, action: Action,
                            raw: object, key: str | None) -> Conversation | None:
        """:meth:`act` on the remembered conversation: one guarded update. ``None``: read it instead (someone
        else moved it, nothing is to be written, or the interview ends now and needs the person)."""
        now = self._clock.now()
        state = FlowState.model_validate(known.state)
        new_state, step = _apply(programme, state, action, raw, key, now)
        if new_state == state or isinstance(step, flow.Done):
            return None
        stored = new_state.model_dump(mode="json")

        async def advance(session: AsyncSession) -> tuple[int | None, bool] | None:
            return await onboarding.advance_state(session=session, session_id=known.session_id,
                                                  expected_step=known.step, state=stored, now=now)

        where = await self._writes.run(advance)
        if where is None:
            self._recent.forget(programme.id, discord_user_id)
            return None
        conv = Conversation(programme, known.person_id, known.session_id, step, where[0], where[1])
        self._remember(programme, discord_user_id, conv, known.step + 1, stored)
        return conv

    def _remember(self, programme: Programme, discord_user_id: int, conv: Conversation, step: int,
                  state: dict[str, object]) -> None:
        self._recent.remember(programme.id, discord_user_id, Known(conv.person_id, conv.session_id, step, state))

    async def find_open(self, discord_user_id: int, channel_id: int | None = None, *,
                        reply_to: int | None = None, replied_programme_id: int | None = None,
                        ) -> OpenInterview | None:
        """The programme whose conversation a typed message belongs to. Several interviews may share one
        channel (two programmes in one DM), so, as a person would expect:

        1. a reply to one of the bot's interview messages answers that message's interview (its latest
           question, or an earlier message whose buttons name the programme: ``replied_programme_id``);
        2. else the interview whose question was asked last in this channel (the one right above);
        3. else (typed elsewhere) the most recently active unfinished conversation.

        ``shared`` says whether another unfinished interview runs in the same channel (then each message of
        the bot names its programme)."""
        running = self._registry.all()
        async with self._sessions() as session:
            rows = {row.programme_id: row for row in await onboarding.interviews_of(
                session=session, discord_user_id=discord_user_id, programme_ids=[p.id for p in running])}
        open_rows: list[tuple[OnboardingSession, Programme]] = []
        for prog in running:  # in the programmes' order, as before
            row = rows.get(prog.id)
            if row is None:
                continue
            # read now: the answer that usually follows is written with no read before it
            self._recent.remember(prog.id, discord_user_id, Known(row.person_id, require_id(row), row.step, row.state))
            if FlowState.model_validate(row.state).current == flow.DONE:
                continue
            open_rows.append((row, prog))
        here = [(row, prog) for row, prog in open_rows if channel_id is not None and row.channel_id == channel_id]
        shared = len(here) > 1
        if reply_to is not None:
            for row, prog in open_rows:
                if row.last_prompt_message_id == reply_to or prog.id == replied_programme_id:
                    return OpenInterview(prog, shared)
        if here:
            return OpenInterview(max(here, key=lambda rp: (rp[0].last_prompt_message_id or 0,
                                                            rp[0].last_activity_at))[1], shared)
        if not open_rows:
            return None
        return OpenInterview(max(open_rows, key=lambda rp: rp[0].last_activity_at)[1], False)

    async def asked(self, session_id: int, message_id: int) -> None:
        """The bot has just shown this conversation's current step in message ``message_id``."""

        async def record(session: AsyncSession) -> None:
            await onboarding.set_prompt(session=session, session_id=session_id, message_id=message_id)

        await self._writes.run(record)

    async def set_channel(
        self, session_id: int, channel_id: int, *, in_thread: bool, prompt_message_id: int | None = None
    ) -> None:
        async with transaction(self._sessions) as session:
            await onboarding.set_channel(session=session, session_id=session_id, channel_id=channel_id,
                                         in_thread=in_thread, prompt_message_id=prompt_message_id)

    async def mark_dms_closed(self, person_id: int) -> None:
        async with transaction(self._sessions) as session:
            await people.mark_dms_closed(session=session, person_id=person_id, now=self._clock.now())

    async def due_reminders(self, programme: Programme) -> list[Reminder]:
        """Conversations that need their next reminder (after ``after_hours`` of silence), claimed once."""
        now = self._clock.now()
        hours = programme.config.onboarding_reminders.after_hours
        due: list[Reminder] = []
        if not hours:
            return due
        async with transaction(self._sessions) as session:
            idle = await onboarding.stalled_sessions(
                session=session, programme_id=programme.id, idle_since=now - timedelta(hours=hours[0])
            )
            for row in idle:
                if row.reminders_sent >= len(hours):
                    continue
                if row.last_activity_at > now - timedelta(hours=hours[row.reminders_sent]):
                    continue
                person = await people.get_person(session=session, person_id=row.person_id)
                if person is None or person.discord_user_id is None or person.status == PersonStatus.PAUSED:
                    continue
                zone = person_zone(row.state, programme)
                if is_quiet(now, zone, programme.config.quiet_hours):
                    continue  # a reminder is the bot's own initiative: never in the person's quiet hours
                if await onboarding.bump_reminders(session=session, session_id=require_id(row),
                                                   expected=row.reminders_sent):
                    due.append(Reminder(programme, require_id(row), row.person_id, person.discord_user_id,
                                        person.display_name, row.channel_id, row.reminders_sent + 1))
        return due

    async def stalled(self, programme: Programme) -> list[tuple[int, str, int, int]]:
        """(discord id, name, hours idle, reminders sent) of conversations idle past the last reminder."""
        now = self._clock.now()
        hours = programme.config.onboarding_reminders.after_hours or [24]
        out = []
        async with self._sessions() as session:
            rows = await onboarding.stalled_sessions(session=session, programme_id=programme.id,
                                                     idle_since=now - timedelta(hours=hours[0]))
            for row in rows:
                person = await people.get_person(session=session, person_id=row.person_id)
                if person is None or person.discord_user_id is None:
                    continue
                idle_hours = int((now - row.last_activity_at).total_seconds() // 3600)
                out.append((person.discord_user_id, person.display_name, idle_hours, row.reminders_sent))
        return out
