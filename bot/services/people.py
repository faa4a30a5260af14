"""Self-service on one's own data: view, pause, resume, download, leave (delete)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.onboarding.safe_text import escape_markdown, safe_text
from bot.services.match_end import EndedMatch, EndReason, MatchEnding
from bot.services.nudges import NudgeService
from bot.services.programmes import Programme
from storage.db import SessionFactory, purge_deleted, transaction
from storage.ids import require_id
from storage.models import Match, MatchStatus, PersonStatus, SurveyAnswer
from storage.queries import audit, intake, matching, nudges, onboarding, people, security, surveys

#: What /leave keeps, said the same way in /mydata and the leave prompt.
AFTER_LEAVE = ("/leave deletes everything above. The programme keeps only anonymous facts that name nobody: "
               "that a match existed, when it began and ended, and how it ended — so its statistics and "
               "reports don't shrink.")

@dataclass
class LeaveResult:
    found: bool
    ended: list[EndedMatch] = field(default_factory=list)
    # what named them in the bot's own messages (read before erasure): the caller redacts those messages
    names: list[str] = field(default_factory=list)
    known_since: datetime | None = None
    # where the bot's own messages may name them (read before erasure): the pair spaces of their matches,
    # their partners' DM channels (user id, known DM channel) and their private onboarding threads
    spaces: list[int] = field(default_factory=list)
    partner_dms: list[tuple[int, int | None]] = field(default_factory=list)
    onboarding_threads: list[int] = field(default_factory=list)


def naming_strings(discord_user_id: int | None, texts: list[str]) -> list[str]:
    """The ways a person appears in the bot's messages: their mention, and each name, handle or note as
    typed and as escaped for Discord (longest first, so a name is replaced before a part of it)."""
    out = {f"<@{discord_user_id}>", f"<@!{discord_user_id}>"} if discord_user_id else set()
    for text in texts:
        text = (text or "").strip()
        if len(text) >= 3:
            out |= {text, escape_markdown(text), safe_text(text, 2000), safe_text(text, 300), safe_text(text, 60)}
    return sorted((s for s in out if len(s) >= 3), key=len, reverse=True)


def _survey_answer(programme: Programme, answer: SurveyAnswer) -> dict[str, Any]:
    """One survey answer as /mydata shows it: the question as asked, the answer, whether it may be quoted."""
    survey = programme.config.survey(answer.survey_key)
    question = survey.question(answer.question_key) if survey is not None else None
    shown: Any = answer.value_int if answer.value_int is not None else answer.value_text
    if question is not None and question.kind == "choice" and answer.value_text:
        shown = question.label_of(answer.value_text)
    return {"survey": survey.title if survey is not None else answer.survey_key,
            "question": question.prompt if question is not None else answer.question_key,
            "answer": shown, "may_quote": answer.quote_ok, "answered_at": _iso(answer.answered_at)}


class PeopleService:
    def __init__(self, sessions: SessionFactory, clock: Clock, nudges: NudgeService | None = None,
                 ending: MatchEnding | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self._nudges = nudges
        self._ending = ending

    async def pause(self, programme: Programme, discord_user_id: int, weeks: int, *, actor: int | None = None,
                    end_matches: bool = False) -> datetime | None:
        """Pause a person for ``weeks``: matching and nudges skip them. ``None`` when unknown. With
        ``end_matches`` (an organiser's choice) their active matches end too (both people told, spaces
        archived)."""
        now = self._clock.now()
        until = now + timedelta(weeks=weeks)
        ended: list[EndedMatch] = []
        async with transaction(self._sessions) as session:
            person = await people.get_person_by_discord(
                session=session, programme_id=programme.id, discord_user_id=discord_user_id
            )
            if person is None or person.status == PersonStatus.LEFT:
                return None
            await people.set_person_status(
                session=session, person_id=require_id(person), status=PersonStatus.PAUSED, now=now, paused_until=until
            )
            await nudges.cancel_nudges(session=session, person_id=person.id)
            await audit.add_audit_event(
                session=session, programme_id=programme.id, actor_discord_id=actor or discord_user_id,
                action="person.pause", detail={"person_id": person.id, "weeks": weeks}, now=now,
            )
            if end_matches:
                for m in await matching.matches_of_person(session=session, person_id=require_id(person)):
                    if m.status == MatchStatus.ACTIVE and m.programme_id == programme.id:
                        done = await self._end(session, m, "paused", actor, subject_person_id=require_id(person))
                        ended.extend([done] if done is not None else [])
        for done in ended:
            await self._follow_up(done)
        return until

    async def resume(self, programme: Programme, discord_user_id: int) -> bool:
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            person = await people.get_person_by_discord(
                session=session, programme_id=programme.id, discord_user_id=discord_user_id
            )
            if person is None or person.status != PersonStatus.PAUSED:
                return False
            profile = await people.get_profile(session=session, person_id=require_id(person), programme_id=programme.id)
            status = PersonStatus.ACTIVE if profile is not None else PersonStatus.ONBOARDING
            await people.set_person_status(session=session, person_id=require_id(person), status=status, now=now)
            await audit.add_audit_event(
                session=session, programme_id=programme.id, actor_discord_id=discord_user_id,
                action="person.resume", detail={"person_id": person.id}, now=now,
            )
            active = [m.id for m in await matching.matches_of_person(session=session, person_id=require_id(person))
                      if m.status == MatchStatus.ACTIVE and m.id is not None]
        if self._nudges is not None:
            for match_id in active:  # their check-ins were cancelled by the pause: plan the future ones again
                await self._nudges.replan_match(match_id)
        return True

    async def export(self, programme: Programme, discord_user_id: int) -> dict[str, Any] | None:
        """Everything stored about the person in this programme, as JSON-ready data."""
        async with self._sessions() as session:
            person = await people.get_person_by_discord(
                session=session, programme_id=programme.id, discord_user_id=discord_user_id
            )
            if person is None:
                return None
            pid = require_id(person)
            profile = await people.get_profile(session=session, person_id=pid, programme_id=programme.id)
            conv = await onboarding.get_session(session=session, person_id=pid, programme_id=programme.id)
            their_matches = await matching.matches_of_person(session=session, person_id=pid)
            leads = [
                lead for lead in await intake.leads_in_programme(session=session, programme_id=programme.id)
                if lead.person_id == pid
            ]
            posts = {lead.id: await intake.posts_by_author(session=session, programme_id=programme.id,
                                                           platform=lead.platform, author_id=lead.author_id)
                     for lead in leads}
            events = await audit.events_about(session=session, programme_id=programme.id, person_id=pid,
                                              discord_user_id=person.discord_user_id)
            proofs = await security.proofs_of_member(session=session, programme_id=programme.id,
                                                     discord_user_id=discord_user_id)
            counters = await security.counters_of_member(session=session, programme_id=programme.id,
                                                         discord_user_id=discord_user_id)
            answers = await surveys.answers_of_person(session=session, person_id=pid)
            match_rows = []
            for m in their_matches:
                rows = await nudges.nudges_of_match(session=session, match_id=require_id(m))
                match_rows.append({
                    "role": "mentor" if m.mentor_person_id == pid else "mentee",
                    "status": m.status, "score": m.score, "reasons": m.reasons,
                    "started_at": _iso(m.started_at), "ended_at": _iso(m.ended_at),
                    "nudges": [
                        {"kind": n.kind, "due_at": _iso(n.due_at), "status": n.status, "answer": n.answer,
                         "answered_at": _iso(n.answered_at), "note": n.note}
                        for n in rows if n.person_id == pid
                    ],
                })
        return {
            "programme": programme.key,
            "person": {
                "discord_user_id": str(person.discord_user_id), "display_name": person.display_name,
                "x_handle": person.x_handle, "status": person.status, "dms_closed": person.dms_closed,
                "paused_until": _iso(person.paused_until), "created_at": _iso(person.created_at),
            },
            "profile": None if profile is None else {
                "answers": profile.answers, "consent_at": _iso(profile.consent_at),
                "updated_at": _iso(profile.updated_at),
            },
            "onboarding": None if conv is None else {
                "status": conv.status, "state": conv.state, "started_at": _iso(conv.created_at),
                "completed_at": _iso(conv.completed_at),
            },
            "matches": match_rows,
            "survey_answers": [_survey_answer(programme, a) for a in answers],
            "leads": [{"platform": lead.platform, "handle": lead.author_handle, "name": lead.author_name,
                       "status": lead.status, "claim_code": lead.claim_code, "created_at": _iso(lead.created_at),
                       "suggestions": lead.suggestions,
                       "posts": [{"id": p.post_id, "text": p.text, "posted_at": _iso(p.posted_at)}
                                 for p in posts.get(lead.id, [])]} for lead in leads],
            "link_codes": [{"code": p.code, "created_at": _iso(p.created_at), "expires_at": _iso(p.expires_at),
                            "proven_at": _iso(p.proven_at)} for p in proofs],
            "wrong_tries": [{"kind": c.kind, "failures": c.failures, "since": _iso(c.window_start)}
                            for c in counters],
            "audit_events": [{"action": e.action, "at": _iso(e.created_at), "detail": e.detail,
                              "by_you": e.actor_discord_id == discord_user_id} for e in events],
            "after_leave": AFTER_LEAVE,
        }

    async def leave(self, programme: Programme, discord_user_id: int) -> LeaveResult:
        """Delete the person's data; end their open matches (the caller tells partners and organisers)."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            person = await people.get_person_by_discord(
                session=session, programme_id=programme.id, discord_user_id=discord_user_id
            )
            if person is None:
                return LeaveResult(found=False)
            pid = require_id(person)
            result = LeaveResult(found=True)
            leads = [lead for lead in await intake.leads_in_programme(session=session, programme_id=programme.id)
                     if lead.person_id == person.id]
            notes = [n.note for m in await matching.matches_of_person(session=session, person_id=person.id or 0)
                     for n in await nudges.nudges_of_match(session=session, match_id=m.id or 0)
                     if n.person_id == person.id and n.note]
            profile = await people.get_profile(session=session, person_id=pid, programme_id=programme.id)
            organisation = str((profile.answers if profile else {}).get("organisation") or "")
            result.names = naming_strings(person.discord_user_id, [
                person.display_name, person.x_handle or "", organisation, *notes,
                *(t for lead in leads for t in (lead.author_handle, lead.author_name))])
            await self._traces(session, pid, programme, result)
            result.known_since = min([person.created_at, *(lead.created_at for lead in leads)])
            for m in await matching.matches_of_person(session=session, person_id=pid):
                if m.status != MatchStatus.ACTIVE:
                    continue
                ended = await self._end(session, m, "left", None, subject_person_id=pid)  # no id of theirs kept
                if ended is not None:
                    result.ended.append(ended)
                    await people.bump_counter(session=session, programme_id=programme.id,
                                              name="matches_ended_by_leave")
            await people.erase_person(session=session, person_id=pid)
            await people.bump_counter(session=session, programme_id=programme.id, name="people_left")
            await audit.add_audit_event(
                session=session, programme_id=programme.id, actor_discord_id=None, action="person.leave",
                detail={"ended_matches": len(result.ended)}, now=now,
            )
        await purge_deleted(self._sessions.kw["bind"])  # no copy left in the database files (SQLite's log)
        for ended in result.ended:  # after the commit: partners told, spaces archived, organisers told
            await self._follow_up(ended)
        if not result.ended and self._ending is not None and self._ending.spaces is not None:
            await self._ending.spaces.tell_organisers(
                programme, f"👋 A member left **{programme.config.name}** and their data was deleted.")
        return result

    async def _traces(self, session: AsyncSession, pid: int, programme: Programme, result: LeaveResult) -> None:
        for m in await matching.matches_of_person(session=session, person_id=pid):
            if m.space_id is not None:
                result.spaces.append(m.space_id)
            partner_id = m.mentee_person_id if m.mentor_person_id == pid else m.mentor_person_id
            partner = await people.get_person(session=session, person_id=partner_id)
            if partner is not None and partner.discord_user_id is not None:
                result.partner_dms.append((partner.discord_user_id,
                                           await onboarding.known_dm_channel(session=session, person_id=partner_id)))
        talk = await onboarding.get_session(session=session, person_id=pid, programme_id=programme.id)
        if talk is not None and talk.in_thread and talk.channel_id is not None:
            result.onboarding_threads.append(talk.channel_id)

    async def _end(self, session: AsyncSession, match: Match, reason: EndReason, by: int | None,
                   subject_person_id: int) -> EndedMatch | None:
        if self._ending is None:
            raise RuntimeError("PeopleService needs the MatchEnding to end matches")
        return await self._ending.close(session, match, reason, by, subject_person_id=subject_person_id)

    async def _follow_up(self, ended: EndedMatch) -> None:
        if self._ending is not None:
            await self._ending.follow_up(ended)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
