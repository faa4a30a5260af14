"""Nudge answers: clicks on check-in buttons, their follow-ups, notes."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.nudges import answers as rules
from bot.onboarding.safe_text import safe_text
from bot.services.dm_reach import dms_closed_now
from bot.services.match_end import MatchEnding
from bot.services.nudges._types import (
    AnswerResult,
    PartnerPrompt,
    _mention,
    _records,
    organiser_text,
)
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.voice import CheckinButtons, CheckinWords
from storage.db import SessionFactory, transaction
from storage.group_commit import GroupCommit
from storage.models import Match, MatchStatus, Person
from storage.queries import audit, onboarding, people
from storage.queries import nudges as q


class CheckInAnswers:
    """Clicks on a check-in's buttons and the notes added to it: what is recorded, who hears of it, and the
    end of a match the pair asked for."""

    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock,
                 ending: MatchEnding, writes: GroupCommit) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self._ending = ending
        self._writes = writes

    async def answer(self, nudge_id: int, answer: rules.ButtonAnswer, discord_user_id: int) -> AnswerResult:
        """Apply one click on a nudge's button. Safe to repeat: a second click changes nothing. Its one
        transaction is shared with the writes of others clicking at the same moment (:mod:`storage.group_commit`)."""

        async def apply(session: AsyncSession) -> AnswerResult:
            return await self._answer(session, nudge_id, answer, discord_user_id)

        return await self._writes.run(apply)

    async def _answer(self, session: AsyncSession, nudge_id: int, answer: rules.ButtonAnswer,
                      discord_user_id: int) -> AnswerResult:
        found = await q.nudge_in_match(session=session, nudge_id=nudge_id)  # all it needs, in one read
        match = found.match if found is not None else None
        programme = self._registry.by_id(match.programme_id) if match is not None else None
        words = programme.config.messages().checkin_words if programme is not None else CheckinWords()
        labels = programme.config.messages().checkin_buttons if programme is not None else CheckinButtons()
        if found is None or match is None:
            return AnswerResult("unknown", words.gone)
        nudge, pair_people = found.nudge, found.people
        key_of = {pid: _mention(p) for pid, p in pair_people.items()}
        by = next((key_of[pid] for pid, p in pair_people.items() if p.discord_user_id == discord_user_id), None)
        if by is None:
            return AnswerResult("rejected", words.not_yours, programme)
        if match.status != MatchStatus.ACTIVE:
            return AnswerResult("unchanged", words.match_over, programme)
        if answer in rules.NUDGE_ANSWERS and nudge.answer is not None:
            return AnswerResult("unchanged", words.say("already", answer=labels.label(nudge.answer)), programme)
        if answer == "keep" and await self._end_reply_seen(session, match, nudge_id):
            return AnswerResult("unchanged", words.already_keep, programme)
        history = _records(found.history, key_of)
        pair = (key_of.get(match.mentor_person_id, "?"), key_of.get(match.mentee_person_id, "?"))
        try:
            voice = programme.config.messages() if programme else None
            actions = rules.follow_up(history, nudge_id=nudge_id, answer=answer, by=by, pair=pair,
                                      not_yet_escalate_after=voice.not_yet_escalate_after if voice else 2)
        except rules.AnswerRejected as exc:
            return AnswerResult("rejected", words.say(exc.reason), programme)
        except LookupError:
            return AnswerResult("unknown", words.gone, programme)
        result = AnswerResult("recorded", voice.replies[answer] if voice else _REPLIES[answer], programme)
        now = self._clock.now()
        for action in actions:
            if isinstance(action, rules.RecordAnswer):
                if not await q.record_answer(session=session, nudge_id=action.nudge_id, answer=action.answer,
                                             now=now):
                    return AnswerResult("unchanged", words.say(
                        "already", answer=labels.label(answer)), programme)
            elif isinstance(action, rules.NotifyOrganisers):
                if action.reason != "match_ended":  # ending the match tells the organisers (once)
                    result.organiser_messages.append(
                        organiser_text(action, programme.config.step_names() if programme else None, labels))
            elif isinstance(action, rules.AskPartnerToConfirmEnd):
                partner_pid = next(pid for pid, key in key_of.items() if key == action.partner_key)
                partner = pair_people[partner_pid]
                dm = await onboarding.known_dm_channel(session=session, person_id=partner_pid)
                result.ask_partner = PartnerPrompt(action.nudge_id, partner.discord_user_id or 0, dm,
                                                   dms_closed_now(partner, now), match.space_id,
                                                   action.requested_by,
                                                   partner_pid, programme is not None and programme.config.pods,
                                                   partner.dms_closed, _name_of(pair_people, discord_user_id))
            elif isinstance(action, rules.EndMatch):
                result.ended = await self._ending.close(session, match, "pair", discord_user_id)
                if result.ended is None:
                    return AnswerResult("unchanged", words.match_over, programme)
        if answer in ("confirm_end", "keep"):
            await audit.add_audit_event(session=session, programme_id=match.programme_id,
                                        actor_discord_id=discord_user_id, action=f"nudge.{answer}",
                                        detail=audit.as_detail(nudge_id=nudge_id, match_id=match.id), now=now)
        return result

    async def _end_reply_seen(self, session: AsyncSession, match: Match, nudge_id: int) -> bool:
        events = await audit.audit_events_since(session=session, programme_id=match.programme_id,
                                                      actions=("nudge.keep",))
        return any(e.detail.get("nudge_id") == nudge_id for e in events)

    async def save_note(self, nudge_id: int, discord_user_id: int, text: str) -> Programme | None:
        """Keep a short note someone added to their nudge; its programme, or None when it is not theirs."""
        async with transaction(self._sessions) as session:
            nudge = await q.get_nudge(session=session, nudge_id=nudge_id)
            person = await people.get_person(session=session, person_id=nudge.person_id) \
                if nudge is not None and nudge.person_id is not None else None
            if nudge is None or person is None or person.discord_user_id != discord_user_id:
                return None
            nudge.note = text[:1000]  # stored on the nudge itself, so /leave erases it with the person
            session.add(nudge)
            await audit.add_audit_event(
                session=session, programme_id=nudge.programme_id, actor_discord_id=discord_user_id,
                action="nudge.note", detail={"nudge_id": nudge_id, "match_id": nudge.match_id},
                now=self._clock.now())
            return self._registry.by_id(nudge.programme_id)


def _name_of(found: dict[int, Person], discord_user_id: int) -> str:
    """The display name of whoever of ``found`` has that Discord account (the one who clicked)."""
    name = next((p.display_name for p in found.values() if p.discord_user_id == discord_user_id), None)
    return safe_text(name, 60) if name else "your partner"


_REPLIES: dict[str, str] = {
    "met": "Thanks — great to hear you two have met! I've noted it.",
    "not_yet": "Thanks for letting me know. Why not suggest a time to your partner in your shared space?",
    "help": "Thanks — I've told the organisers; one of them will be in touch soon.",
    "end": "Thanks. I've asked your partner to confirm, and the organisers know.",
    "confirm_end": "Your match has ended. Thank you both for taking part!",
    "keep": "Thanks — I've let the organisers know you'd like to keep going.",
}
