"""Surveys, persisted: written when due for each person of a match, claimed and prepared for sending like
nudges (their own kinds), one reminder after each, and answers recorded one question at a time.

No discord import: the cog (cogs/surveys) sends what :meth:`SurveyService.prepare` returns, reports back with
:meth:`record_sent_rows` (the shared dispatcher, :mod:`bot.services.scheduled_dms`), and passes clicks to :meth:`answer`, :meth:`write` and :meth:`quote`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.nudges.quiet import daytime_later, next_allowed, zone_of
from bot.nudges.templates import render_template
from bot.onboarding.safe_text import safe_text
from bot.services.dm_reach import dms_closed_now
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.services.scheduled_dms import Claimed, ClaimLedger
from bot.services.surveys._types import StepView, SurveyDelivery, SurveySection, SurveyTurn
from bot.services.surveys.ratings import gave_high_ratings
from bot.surveys.config import SURVEY_PLACEHOLDERS, SurveyConfig
from bot.surveys.flow import Given, Step, check_value, next_step, step_text
from bot.surveys.schedule import reminder_due_at, survey_due_at, survey_moment
from bot.voice import SurveyWords
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import (
    INACTIVE,
    SURVEY_KINDS,
    Match,
    MatchStatus,
    Nudge,
    NudgeKind,
    NudgeStatus,
    Person,
    Profile,
    SurveyAnswer,
)
from storage.queries import matching, onboarding, people
from storage.queries import nudges as q
from storage.queries import surveys as qs

TEXT_LIMIT = 1000
log = logging.getLogger(__name__)


def _given(rows: list[SurveyAnswer]) -> dict[str, Given]:
    return {a.question_key: Given(a.value_int, a.value_text, a.quote_ok) for a in rows}


def _view(invite_id: int, step: Step | None, words: SurveyWords, programme_id: int) -> StepView | None:
    return None if step is None else StepView(invite_id, step.kind, step.question, words, programme_id)


def _words(programme: Programme | None) -> SurveyWords:
    """The words around the questions in the programme's voice (neutral ones if the programme is gone)."""
    return programme.config.messages().surveys if programme is not None else SurveyWords()


class SurveyService:
    """Plans, dispatch and answers of a programme's surveys."""

    stale_after = timedelta(minutes=5)
    quiet_margin = timedelta(minutes=1)
    retry_delay = timedelta(minutes=5)
    max_attempts = 5

    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self.ledger = ClaimLedger(Nudge, sessions, clock, self, where=q.of_kinds(SURVEY_KINDS))

    # ---- plans ------------------------------------------------------------------------------------
    async def plan(self, programme: Programme) -> int:
        """Write every survey now due for the programme's matches (once each: the database refuses a second
        one). Returns how many were written."""
        surveys = programme.config.survey_plan()
        if not surveys:
            return 0
        now = self._clock.now()
        window = timedelta(days=max(s.send_within_days for s in surveys))
        by_cohort = programme.config.cohort_end is not None and any(
            s.before_cohort_end_days is not None for s in surveys)
        longest = timedelta(days=max((s.day or 0) for s in surveys))
        started_since = None if by_cohort else now - window - longest
        async with transaction(self._sessions) as session:
            matches = await qs.matches_to_survey(session=session, programme_id=programme.id,
                                                 started_since=started_since, ended_since=now - window)
            done = await qs.invited_keys(session=session, match_ids=[require_id(m) for m in matches])
            cancelled = await qs.cancelled_invites(session=session, match_ids=[require_id(m) for m in matches])
            found = await people.people_with_profiles(
                session=session, person_ids=[p for m in matches for p in (m.mentor_person_id, m.mentee_person_id)])
            invites: list[qs.Invite] = []
            revived = 0
            for match in matches:
                for role, pid in (("mentor", match.mentor_person_id), ("mentee", match.mentee_person_id)):
                    me = found.get(pid)
                    if me is None or me[0].status in INACTIVE:
                        continue
                    zone = zone_of(me[1].answers if me[1] else None)
                    for survey in surveys:
                        key = (require_id(match), pid, survey.key)
                        if role not in survey.roles or (key in done and key not in cancelled):
                            continue
                        due = self._due(programme, survey, match, zone, now)
                        if due is None:
                            continue
                        if key in cancelled:  # cancelled while they were paused: due again now they are back
                            revived += await qs.revive_invite(session=session, invite_id=require_id(cancelled[key]),
                                                              due_at=due)
                        else:
                            invites.append(qs.Invite(programme.id, require_id(match), pid, survey.key, due))
            revived += await self._revive_reminders(session, programme, matches, found, now)
            return await qs.add_invites(session=session, invites=invites) + revived

    async def _revive_reminders(self, session: AsyncSession, programme: Programme, matches: list[Match],
                                found: dict[int, tuple[Person, Profile | None]], now: datetime) -> int:
        """The one reminder of a survey that went out, cancelled while its person was paused: due again (in their
        daytime) now they are back, while the survey is not finished and not long past."""
        revived = 0
        cancelled = await qs.cancelled_invites(session=session, match_ids=[require_id(m) for m in matches],
                                               kind=NudgeKind.SURVEY_REMINDER)
        for (match_id, pid, key), row in cancelled.items():
            me, survey = found.get(pid), programme.config.survey(key)
            invite = await qs.survey_invite(session=session, match_id=match_id, person_id=pid, survey_key=key)
            if me is None or me[0].status in INACTIVE or survey is None or invite is None \
                    or invite.status != NudgeStatus.SENT or invite.sent_at is None \
                    or now - invite.sent_at > timedelta(days=survey.send_within_days + survey.reminder_after_days):
                continue
            given = _given(await qs.answers_of_invite(session=session, invite_id=require_id(invite)))
            if next_step(survey, given) is None:
                continue  # finished: its reminder stays cancelled
            due = next_allowed(max(row.due_at, now), zone_of(me[1].answers if me[1] else None),
                               programme.config.quiet_hours)
            revived += await qs.revive_invite(session=session, invite_id=require_id(row), due_at=due)
        return revived

    def _due(self, programme: Programme, survey: SurveyConfig, match: Match, zone: str,
             now: datetime) -> datetime | None:
        if survey.at != "end" and match.status != MatchStatus.ACTIVE:
            return None  # an ended match gets its end survey only
        assert match.started_at is not None
        cfg = programme.config
        moment = survey_moment(survey, started_at=match.started_at, ended_at=match.ended_at,
                               cohort_end=cfg.cohort_end, zone=zone, local_time=cfg.nudges.cohort_local_time)
        return survey_due_at(survey, moment, now=now, zone=zone, quiet=cfg.quiet_hours)

    # ---- dispatch ---------------------------------------------------------------------------------
    async def claim(self, worker: str, limit: int = 100) -> list[Nudge]:
        """Due surveys and reminders, claimed for ``worker``; with each, the same person's others of the same
        survey and kind due within the programme's ``together_within_hours`` (one message per person: a mentor
        of twelve gets one baseline survey, not twelve)."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            claimed = await q.claim_due_nudges(session=session, now=now, worker=worker, kinds=SURVEY_KINDS,
                                               limit=limit)
        wanted = sorted({(n.programme_id, n.kind, n.step_key, n.person_id) for n in claimed
                         if n.person_id is not None})
        try:  # the claim above stands whatever happens here: without companions, each goes on its own
            async with transaction(self._sessions) as session:
                for programme_id, kind, key, person_id in wanted:
                    programme = self._registry.by_id(programme_id)
                    hours = programme.config.nudges.together_within_hours if programme is not None else 0
                    assert person_id is not None
                    claimed += await q.claim_companions(session=session, person_ids=[person_id], worker=worker,
                                                        until=now + timedelta(hours=hours), now=now, kind=kind,
                                                        step_key=key)
        except Exception:
            log.warning("could not claim surveys to send together; each goes on its own", exc_info=True)
        return claimed

    async def claim_due(self, worker: str, limit: int) -> list[Claimed[Nudge]]:
        """:meth:`claim`, for the dispatcher: a person's rows of one survey and kind go together."""
        return [Claimed(n, require_id(n), n.attempts, n.programme_id, n.person_id,
                        together=(n.kind, n.step_key), part=n.match_id, label=f"{n.kind} for person #{n.person_id}")
                for n in await self.claim(worker, limit)]

    async def prepare_group(self, group: list[Claimed[Nudge]]) -> list[SurveyDelivery]:
        """One delivery for a group: a single survey shows its first question; several (one person, one
        moment) are one message with a button per pairing."""
        ready = [d for d in [await self.prepare(c.row) for c in group] if d is not None]
        if len(ready) <= 1:
            return ready
        first = ready[0]
        programme = first.programme
        invite_of = {d.nudge_id: d.step.invite_id for d in ready if d.step is not None}
        survey = programme.config.survey(group[0].row.step_key)
        sections = tuple(SurveySection(d.nudge_id, invite_of[d.nudge_id], d.partner) for d in ready
                         if d.nudge_id in invite_of)
        if survey is None or not sections:
            return ready
        async with self._sessions() as session:
            person = await people.get_person(session=session, person_id=first.person_id)
        words = programme.config.messages().surveys
        opening = render_template(survey.intro if first.kind == NudgeKind.SURVEY else survey.reminder, {
            "name": safe_text(person.display_name, 60) if person is not None else words.no_name,
            "partner": words.say("grouped_partner", count=len(sections)),
            "programme": programme.config.name,
        }, allowed=SURVEY_PLACEHOLDERS, limit=900)
        listing = "\n".join(f"• {s.partner}" for s in sections)
        footer = "\n-# " + " ".join(f"ref:n{s.nudge_id}" for s in sections)
        text = f"{opening}\n\n{words.grouped_intro}\n{listing}"[:2000 - len(footer)] + footer
        return [replace(first, text=text, step=None, batch=sections,
                        claims=tuple((d.nudge_id, d.attempts) for d in ready if d.nudge_id in invite_of))]

    async def prepare(self, nudge: Nudge) -> SurveyDelivery | None:
        """What to send for a claimed survey or reminder; None when it is no longer wanted (cancelled) or was
        moved out of the person's quiet hours."""
        nid = require_id(nudge)
        programme = self._registry.by_id(nudge.programme_id)
        async with transaction(self._sessions) as session:
            survey = programme.config.survey(nudge.step_key) if programme is not None else None
            match = await matching.get_match(session=session, match_id=nudge.match_id) \
                if nudge.match_id is not None else None
            found = await people.people_with_profiles(
                session=session, person_ids=(match.mentor_person_id, match.mentee_person_id) if match else ())
            me = found.get(nudge.person_id) if nudge.person_id is not None else None
            if programme is None or survey is None or match is None or me is None or me[0].status in INACTIVE \
                    or (survey.at != "end" and match.status != MatchStatus.ACTIVE):
                await q.cancel_nudge(session=session, nudge_id=nid, reason="survey, match or person gone")
                return None
            person, profile = me
            later = daytime_later(self._clock.now(), zone_of(profile.answers if profile else None), programme.config.quiet_hours,
                                  self.quiet_margin)
            if later is not None:
                await q.reschedule(session=session, nudge_id=nid, error="quiet hours", due_at=later)
                return None
            invite = nudge if nudge.kind == NudgeKind.SURVEY else await qs.survey_invite(
                session=session, match_id=match.id, person_id=person.id, survey_key=survey.key)
            if invite is None or (nudge.kind == NudgeKind.SURVEY_REMINDER and invite.status != NudgeStatus.SENT):
                await q.cancel_nudge(session=session, nudge_id=nid, reason="survey not sent")
                return None
            invite_id = require_id(invite)
            step = next_step(survey, _given(await qs.answers_of_invite(session=session, invite_id=invite_id)))
            if step is None:
                await q.cancel_nudge(session=session, nudge_id=nid, reason="answered")
                return None
            partner_id = match.mentee_person_id if person.id == match.mentor_person_id else match.mentor_person_id
            partner = found.get(partner_id, (None, None))[0]
            footer = f"\n-# ref:n{nid}"
            words = _words(programme)
            opening = render_template(survey.intro if nudge.kind == NudgeKind.SURVEY else survey.reminder, {
                "name": safe_text(person.display_name, 60),
                "partner": safe_text(partner.display_name, 60) if partner else words.your_partner,
                "programme": programme.config.name,
            }, allowed=SURVEY_PLACEHOLDERS, limit=900)
            text = f"{opening}\n\n{step_text(survey, step, words)}"[:2000 - len(footer)] + footer
            closed = dms_closed_now(person, self._clock.now())
            dm = None if closed else await onboarding.known_dm_channel(session=session, person_id=require_id(person))
            return SurveyDelivery(nid, programme, nudge.kind, text,
                                  StepView(invite_id, step.kind, step.question, words, programme.id),
                                  nudge.attempts, require_id(person), person.discord_user_id, dm, closed,
                                  partner=safe_text(partner.display_name, 60) if partner else words.your_partner,
                                  space_id=match.space_id)

    async def record_sent(self, nudge_id: int, channel_id: int, message_id: int) -> bool:
        """Sent: recorded, and a survey's one reminder written (due in the person's daytime)."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            done = await q.mark_sent(session=session, nudge_id=nudge_id, now=now, channel_id=channel_id,
                                     message_id=message_id)
            row = await q.get_nudge(session=session, nudge_id=nudge_id)
            if not done or row is None or row.kind != NudgeKind.SURVEY or row.match_id is None \
                    or row.person_id is None:
                return done
            programme = self._registry.by_id(row.programme_id)
            survey = programme.config.survey(row.step_key) if programme is not None else None
            if programme is None or survey is None:
                return done
            profile = (await people.people_with_profiles(session=session, person_ids=(row.person_id,))).get(
                row.person_id, (None, None))[1]
            due = reminder_due_at(survey, now, zone=zone_of(profile.answers if profile else None), quiet=programme.config.quiet_hours)
            await qs.add_invites(session=session, invites=[qs.Invite(
                row.programme_id, row.match_id, row.person_id, row.step_key, due, NudgeKind.SURVEY_REMINDER)])
            return done

    async def record_sent_rows(self, nudge_ids: list[int], channel_id: int, message_id: int) -> None:
        for nid in nudge_ids:
            await self.record_sent(nid, channel_id, message_id)

    async def open(self, invite_id: int, discord_user_id: int) -> SurveyTurn:
        """One pairing's survey opened from a message that carries several: where it stands now (its next
        question, or its thanks when it is done)."""
        async with self._sessions() as session:
            found = await self._invite(session, invite_id, discord_user_id)
            if isinstance(found, SurveyTurn):
                return found
            invite, person, survey, match = found
            words = _words(self._registry.by_id(invite.programme_id))
            partner_id = match.mentee_person_id if person.id == match.mentor_person_id else match.mentor_person_id
            partner = await people.get_person(session=session, person_id=partner_id)
            step = next_step(survey, _given(await qs.answers_of_invite(session=session, invite_id=invite_id)))
        about = words.say("about", partner=safe_text(partner.display_name, 60) if partner else words.your_partner)
        if step is None:
            return SurveyTurn("unchanged", f"{about} {survey.thanks}")
        return SurveyTurn("unchanged", f"{about}\n{step_text(survey, step, words)}", _view(invite_id, step, words,
                                                                                    invite.programme_id))

    # ---- answers ----------------------------------------------------------------------------------
    async def answer(self, invite_id: int, discord_user_id: int, question_key: str, value: str | None) -> SurveyTurn:
        """A button or menu answer (``value`` None: skipped, for an optional question)."""
        return await self._turn(invite_id, discord_user_id, question_key, value=value)

    async def write(self, invite_id: int, discord_user_id: int, question_key: str, text: str) -> SurveyTurn:
        """A written answer from the form (empty: skipped)."""
        return await self._turn(invite_id, discord_user_id, question_key, text=text.strip()[:TEXT_LIMIT])

    async def quote(self, invite_id: int, discord_user_id: int, question_key: str, ok: bool) -> SurveyTurn:
        """Whether the written answer may be quoted (without the person's name)."""
        return await self._turn(invite_id, discord_user_id, question_key, quote=ok)

    async def _invite(self, session: AsyncSession, invite_id: int, discord_user_id: int
                      ) -> tuple[Nudge, Person, SurveyConfig, Match] | SurveyTurn:
        """The survey row ``invite_id`` of ``discord_user_id``, its survey and match; or why not (a refusal)."""
        invite = await q.get_nudge(session=session, nudge_id=invite_id)
        programme = self._registry.by_id(invite.programme_id) if invite is not None else None
        words = _words(programme)
        if invite is None or invite.kind != NudgeKind.SURVEY or invite.person_id is None \
                or invite.status not in (NudgeStatus.SENT, NudgeStatus.CLAIMED):
            return SurveyTurn("rejected", words.closed)
        person = await people.get_person(session=session, person_id=invite.person_id)
        if person is None or person.discord_user_id != discord_user_id:
            return SurveyTurn("rejected", words.not_yours)
        survey = programme.config.survey(invite.step_key) if programme is not None else None
        match = await matching.get_match(session=session, match_id=invite.match_id) \
            if invite.match_id is not None else None
        if survey is None or match is None:
            return SurveyTurn("rejected", words.closed)
        return invite, person, survey, match

    async def _turn(self, invite_id: int, discord_user_id: int, question_key: str, *, value: str | None = None,
                    text: str | None = None, quote: bool | None = None) -> SurveyTurn:
        async with transaction(self._sessions) as session:
            found = await self._invite(session, invite_id, discord_user_id)
            if isinstance(found, SurveyTurn):
                return found
            invite, person, survey, match = found
            words = _words(self._registry.by_id(invite.programme_id))
            question = survey.question(question_key)
            if question is None:
                return SurveyTurn("rejected", words.changed)
            before = _given(await qs.answers_of_invite(session=session, invite_id=invite_id))
            changed = await self._record(session, invite, match, survey, question_key, before,
                                         value=value, text=text, quote=quote)
            if changed is None:
                return SurveyTurn("rejected", render_template(words.not_an_answer, {"question": question.prompt},
                                                              allowed=("question",)))
            after = _given(await qs.answers_of_invite(session=session, invite_id=invite_id))
            step = next_step(survey, after)
            if step is None:
                reminder = await qs.reminder_of(session=session, invite=invite)
                if reminder is not None:
                    await q.cancel_by_ids(session=session, nudge_ids=[require_id(reminder)])
                return SurveyTurn("recorded" if changed else "unchanged", survey.thanks)
            return SurveyTurn("recorded" if changed else "unchanged", step_text(survey, step, words),
                              _view(invite_id, step, words, invite.programme_id))

    async def _record(self, session: AsyncSession, invite: Nudge, match: Match, survey: SurveyConfig,
                      question_key: str, before: dict[str, Given], *, value: str | None, text: str | None,
                      quote: bool | None) -> bool | None:
        """Store one answer (the first one stands): True when stored, False when it was answered already,
        None when the value is not an answer to the question."""
        question = survey.question(question_key)
        assert question is not None
        if quote is not None:
            return await qs.set_quote_consent(session=session, invite_id=require_id(invite),
                                              question_key=question_key, ok=quote)
        if question_key in before:
            return False
        if text is not None:
            if question.kind != "text" or (question.required and not text):
                return None
            given = Given(value_text=text or None)
        elif value is None:
            if question.required:
                return None
            given = Given()
        else:
            found = check_value(question, value)
            if found is None:
                return None
            given = found
        assert invite.person_id is not None
        role = "mentor" if invite.person_id == match.mentor_person_id else "mentee"
        return await qs.add_answer(session=session, answer=SurveyAnswer(
            programme_id=invite.programme_id, person_id=invite.person_id, invite_id=require_id(invite),
            match_id=match.id, cohort_round_id=match.cohort_round_id, survey_key=survey.key, point=survey.at,
            role=role, question_key=question_key, measure=question.measure, value_int=given.value_int,
            value_text=given.value_text, answered_at=self._clock.now()))

    async def gave_high_ratings(self, programme: Programme, match_id: int, person_id: int) -> bool:
        """Did the person rate the match highly (4+ of 5 on average) in its end-of-match survey?"""
        async with self._sessions() as session:
            return await gave_high_ratings(session=session, programme=programme, match_id=match_id,
                                           person_id=person_id)
