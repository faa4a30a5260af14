"""Every place that holds personal data, in one registry: ``/mydata`` exports through it, ``/leave`` erases
through it, and the bot's messages that name a person are found with its ``names``.

A feature that stores something about a person adds ONE :class:`Holder` to :data:`HOLDERS` (append it: export
runs in list order, erasure in reverse order, so a table that points at the person, a match or a lead is
emptied before what it points at). ``tables`` names the tables the holder covers; a guard test
(tests/storage/test_personal_data.py) fails for any table with a column pointing at a person, or holding a
member's Discord id, that no holder covers.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ids import require_id
from storage.models import (
    AuditEvent,
    Goal,
    GuessCounter,
    IdentityProof,
    Lead,
    Match,
    MatchRound,
    MatchStatus,
    Nudge,
    OnboardingSession,
    PairRule,
    PastMatch,
    Person,
    PrerequisiteDone,
    Profile,
    ReplyClaim,
    SocialPost,
    Story,
)
from storage.queries import events as event_queries
from storage.queries import outcomes
from storage.queries import surveys as survey_queries

Export = Callable[[AsyncSession, Person], Awaitable[Any]]
Erase = Callable[[AsyncSession, Person], Awaitable[None]]
Names = Callable[[AsyncSession, Person], Awaitable[list[str]]]


@dataclass(frozen=True)
class Holder:
    """One kind of personal data: ``key`` is its section in ``/mydata``."""

    key: str
    tables: tuple[str, ...]
    export: Export
    erase: Erase
    #: the texts of theirs the bot may have written into its own messages (names, handles, notes): those
    #: messages are redacted after ``/leave``
    names: Names | None = None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def _their_matches(session: AsyncSession, person: Person) -> list[Match]:
    pid = require_id(person)
    stmt = select(Match).where(or_(col(Match.mentor_person_id) == pid, col(Match.mentee_person_id) == pid))
    return list(await session.exec(stmt.order_by(col(Match.id))))


async def _their_leads(session: AsyncSession, person: Person) -> list[Lead]:
    stmt = select(Lead).where(Lead.person_id == require_id(person), Lead.programme_id == person.programme_id)
    return list(await session.exec(stmt.order_by(col(Lead.id))))


# --- what others call them -------------------------------------------------------------------------------------

LEFT = "(a member who left)"
_CHOICE_KEY = re.compile(r"[a-z0-9_\-]+")


async def _called(session: AsyncSession, person: Person) -> tuple[list[str], list[str]]:
    """What other people may call them in their own words: their names, Discord username and handles (in any
    case), and their first name as written (capitalised: "Will" is a name, "will" a word)."""
    names = [person.display_name, person.discord_username or "", person.x_handle or ""]
    for lead in await _their_leads(session, person):
        names += [lead.author_name or "", lead.author_handle]
    whole: set[str] = set()
    first: set[str] = set()
    for name in (n.strip().lstrip("@") for n in names if n):
        whole.add(name)
        words = name.split()
        if len(words) > 1 and len(words[0]) >= 3:
            first.add(words[0])
    return [n for n in whole if len(n) >= 3], sorted(first - whole)


def spoken_names(called: tuple[list[str], list[str]]) -> re.Pattern[str] | None:
    """Any of the names, each as a whole word (longest first): the first list in any case, the second as
    written."""
    def word(name: str, fold: bool) -> str:
        body = (r"(?<!\w)" if re.match(r"\w", name[0]) else "") + re.escape(name) + \
            (r"(?!\w)" if re.match(r"\w", name[-1]) else "")
        return f"(?i:{body})" if fold else body

    wanted = sorted([(n, True) for n in called[0]] + [(n, False) for n in called[1]], key=lambda w: -len(w[0]))
    return re.compile("|".join(word(n, fold) for n, fold in wanted)) if wanted else None


# --- the person row -------------------------------------------------------------------------------------------

async def _export_person(session: AsyncSession, person: Person) -> Any:
    return {"discord_user_id": str(person.discord_user_id) if person.discord_user_id else None,
            "display_name": person.display_name, "x_handle": person.x_handle,
            "discord_username": person.discord_username, "status": person.status,
            "dms_closed": person.dms_closed, "dms_closed_at": iso(person.dms_closed_at),
            "paused_until": iso(person.paused_until),
            "created_at": iso(person.created_at)}


async def _erase_person(session: AsyncSession, person: Person) -> None:
    await session.delete(person)


async def _person_names(session: AsyncSession, person: Person) -> list[str]:
    return [person.display_name, person.x_handle or ""]


# --- profile and interview -----------------------------------------------------------------------------------

async def _export_profile(session: AsyncSession, person: Person) -> Any:
    stmt = select(Profile).where(Profile.person_id == require_id(person), Profile.programme_id == person.programme_id)
    profile = (await session.exec(stmt)).first()
    return None if profile is None else {"answers": profile.answers, "consent_at": iso(profile.consent_at),
                                         "updated_at": iso(profile.updated_at)}


async def _erase_profile(session: AsyncSession, person: Person) -> None:
    await session.exec(delete(Profile).where(col(Profile.person_id) == require_id(person)))


async def _profile_names(session: AsyncSession, person: Person) -> list[str]:
    stmt = select(Profile).where(Profile.person_id == require_id(person), Profile.programme_id == person.programme_id)
    profile = (await session.exec(stmt)).first()
    return [str((profile.answers if profile else {}).get("organisation") or "")]


async def _export_onboarding(session: AsyncSession, person: Person) -> Any:
    stmt = select(OnboardingSession).where(OnboardingSession.person_id == require_id(person),
                                           OnboardingSession.programme_id == person.programme_id)
    conv = (await session.exec(stmt)).first()
    return None if conv is None else {"status": conv.status, "state": conv.state, "started_at": iso(conv.created_at),
                                      "completed_at": iso(conv.completed_at),
                                      "where": "a private thread" if conv.in_thread else "direct messages",
                                      "channel_id": str(conv.channel_id) if conv.channel_id else None,
                                      "reminders_sent": conv.reminders_sent}


async def _erase_onboarding(session: AsyncSession, person: Person) -> None:
    await session.exec(delete(OnboardingSession).where(col(OnboardingSession.person_id) == require_id(person)))


# --- matches and their check-ins -----------------------------------------------------------------------------

async def _export_matches(session: AsyncSession, person: Person) -> Any:
    pid = require_id(person)
    out = []
    for m in await _their_matches(session, person):
        rows = await session.exec(select(Nudge).where(Nudge.match_id == require_id(m), Nudge.person_id == pid)
                                  .order_by(col(Nudge.due_at), col(Nudge.id)))
        out.append({
            "role": "mentor" if m.mentor_person_id == pid else "mentee",
            "status": m.status, "score": m.score, "reasons": m.reasons,
            "started_at": iso(m.started_at), "ended_at": iso(m.ended_at),
            "nudges": [{"kind": n.kind, "due_at": iso(n.due_at), "status": n.status, "answer": n.answer,
                        "answered_at": iso(n.answered_at), "note": n.note} for n in rows],
        })
    return out


async def _export_other_messages(session: AsyncSession, person: Person) -> Any:
    """Messages planned for them outside any match of theirs (interview reminders, surveys of a match since
    ended): when, what kind, and how they answered."""
    match_ids = [require_id(m) for m in await _their_matches(session, person)]
    rows = await session.exec(select(Nudge).where(Nudge.person_id == require_id(person))
                              .order_by(col(Nudge.due_at), col(Nudge.id)))
    return [{"kind": n.kind, "about": n.step_key or None, "due_at": iso(n.due_at), "status": n.status,
             "sent_at": iso(n.sent_at), "answer": n.answer, "note": n.note}
            for n in rows if n.match_id is None or n.match_id not in match_ids]


async def _erase_matches(session: AsyncSession, person: Person) -> None:
    """Match rows go with their check-ins; the programme keeps that each confirmed match existed, when it
    began and ended and how (:class:`PastMatch`, naming no one). Open matches are ended by the caller first."""
    pid = require_id(person)
    matches = await _their_matches(session, person)
    match_ids = [require_id(m) for m in matches]
    await session.exec(delete(Nudge).where(or_(col(Nudge.person_id) == pid, col(Nudge.match_id).in_(match_ids))))
    for match in matches:
        if match.status != MatchStatus.PROPOSED:
            session.add(PastMatch(programme_id=match.programme_id, started_at=match.started_at or match.created_at,
                                  ended_at=match.ended_at, end_reason=match.end_reason))
    await session.exec(delete(Match).where(col(Match.id).in_(match_ids)))


async def _match_names(session: AsyncSession, person: Person) -> list[str]:
    pid = require_id(person)
    notes = await session.exec(select(Nudge.note).where(Nudge.person_id == pid, col(Nudge.note).is_not(None)))
    return [n for n in notes if n]


async def _export_pair_rules(session: AsyncSession, person: Person) -> Any:
    pid = require_id(person)
    rules = await session.exec(select(PairRule).where(
        or_(col(PairRule.mentor_person_id) == pid, col(PairRule.mentee_person_id) == pid)))
    # the other person is someone else's data: only the rule and your side of it
    return [{"rule": r.kind, "you_as": "mentor" if r.mentor_person_id == pid else "mentee",
             "created_at": iso(r.created_at)} for r in rules]


async def _erase_pair_rules(session: AsyncSession, person: Person) -> None:
    pid = require_id(person)
    await session.exec(delete(PairRule).where(
        or_(col(PairRule.mentor_person_id) == pid, col(PairRule.mentee_person_id) == pid)))


async def _export_prerequisites(session: AsyncSession, person: Person) -> Any:
    rows = await session.exec(select(PrerequisiteDone).where(PrerequisiteDone.person_id == require_id(person))
                              .order_by(col(PrerequisiteDone.id)))
    return [{"key": r.key, "done_at": iso(r.done_at)} for r in rows]


async def _erase_prerequisites(session: AsyncSession, person: Person) -> None:
    await session.exec(delete(PrerequisiteDone).where(col(PrerequisiteDone.person_id) == require_id(person)))


async def _export_round_notes(session: AsyncSession, person: Person) -> Any:
    """What stored match-round summaries say about them (why they were not matched in a round)."""
    pid = require_id(person)
    rounds = await session.exec(select(MatchRound).where(MatchRound.programme_id == person.programme_id)
                                .order_by(col(MatchRound.id)))
    return [{"round_created_at": iso(r.created_at), "unmatched_reason": u.get("reason")}
            for r in rounds for u in (r.summary or {}).get("unmatched", []) if u.get("person") == pid]


async def _erase_round_notes(session: AsyncSession, person: Person) -> None:
    pid = require_id(person)
    rounds = await session.exec(select(MatchRound).where(MatchRound.programme_id == person.programme_id))
    for rnd in rounds:
        summary = dict(rnd.summary or {})
        pairs = [p for p in summary.get("pairs", []) if pid not in (p.get("mentor"), p.get("mentee"))]
        unmatched = [u for u in summary.get("unmatched", []) if u.get("person") != pid]
        if pairs != summary.get("pairs", []) or unmatched != summary.get("unmatched", []):
            rnd.summary = {**summary, "pairs": pairs, "unmatched": unmatched}
            session.add(rnd)


async def _nothing_more(session: AsyncSession, person: Person) -> None:
    """Erased with another holder (the ``matches`` holder deletes every nudge of theirs)."""


# --- leads found on social platforms, their posts and proofs -------------------------------------------------

async def _export_leads(session: AsyncSession, person: Person) -> Any:
    out = []
    for lead in await _their_leads(session, person):
        posts = await session.exec(select(SocialPost).where(
            SocialPost.programme_id == person.programme_id, SocialPost.platform == lead.platform,
            SocialPost.author_id == lead.author_id).order_by(col(SocialPost.id)))
        out.append({"platform": lead.platform, "handle": lead.author_handle, "name": lead.author_name,
                    "account_id": lead.author_id, "first_post_id": lead.first_post_id,
                    "bot_reply_id": lead.reply_post_id,
                    "status": lead.status, "claim_code": lead.claim_code, "created_at": iso(lead.created_at),
                    "suggestions": lead.suggestions,
                    "posts": [{"id": p.post_id, "text": p.text, "posted_at": iso(p.posted_at)} for p in posts]})
    return out


async def _erase_leads(session: AsyncSession, person: Person) -> None:
    for lead in await _their_leads(session, person):
        await session.exec(delete(SocialPost).where(
            col(SocialPost.programme_id) == person.programme_id, col(SocialPost.platform) == lead.platform,
            col(SocialPost.author_id) == lead.author_id))
        # the bot's own posts addressed to them (its invite reply starts with their @handle)
        await session.exec(delete(SocialPost).where(
            col(SocialPost.programme_id) == person.programme_id, col(SocialPost.platform) == lead.platform,
            or_(col(SocialPost.post_id) == (lead.reply_post_id or ""),
                (col(SocialPost.kind) == "own") & col(SocialPost.text).contains(f"@{lead.author_handle}"))))
        await session.exec(delete(ReplyClaim).where(  # which post of theirs the bot replied to
            col(ReplyClaim.programme_id) == person.programme_id, col(ReplyClaim.platform) == lead.platform,
            col(ReplyClaim.post_id) == lead.first_post_id))
        await session.delete(lead)


async def _lead_names(session: AsyncSession, person: Person) -> list[str]:
    return [t for lead in await _their_leads(session, person) for t in (lead.author_handle, lead.author_name)]


async def _export_link_codes(session: AsyncSession, person: Person) -> Any:
    if person.discord_user_id is None:
        return []
    rows = await session.exec(select(IdentityProof).where(IdentityProof.programme_id == person.programme_id,
                                                          IdentityProof.discord_user_id == person.discord_user_id)
                              .order_by(col(IdentityProof.id)))
    return [{"code": p.code, "created_at": iso(p.created_at), "expires_at": iso(p.expires_at),
             "proven_at": iso(p.proven_at)} for p in rows]


async def _erase_link_codes(session: AsyncSession, person: Person) -> None:
    lead_ids = [lead.id for lead in await _their_leads(session, person)]
    await session.exec(delete(IdentityProof).where(col(IdentityProof.lead_id).in_(lead_ids)))
    if person.discord_user_id is not None:
        await session.exec(delete(IdentityProof).where(col(IdentityProof.programme_id) == person.programme_id,
                                                       col(IdentityProof.discord_user_id) == person.discord_user_id))


async def _export_wrong_tries(session: AsyncSession, person: Person) -> Any:
    if person.discord_user_id is None:
        return []
    rows = await session.exec(select(GuessCounter).where(GuessCounter.programme_id == person.programme_id,
                                                         GuessCounter.discord_user_id == person.discord_user_id))
    return [{"kind": c.kind, "failures": c.failures, "since": iso(c.window_start)} for c in rows]


async def _erase_wrong_tries(session: AsyncSession, person: Person) -> None:
    if person.discord_user_id is not None:
        await session.exec(delete(GuessCounter).where(col(GuessCounter.programme_id) == person.programme_id,
                                                      col(GuessCounter.discord_user_id) == person.discord_user_id))


# --- audit events --------------------------------------------------------------------------------------------

_PERSON_KEYS = ("person_id", "mentor", "mentee")


def _names_them(event: AuditEvent, person: Person) -> bool:
    detail = event.detail or {}
    return (person.discord_user_id is not None and event.actor_discord_id == person.discord_user_id) \
        or any(detail.get(k) == person.id for k in _PERSON_KEYS) \
        or (person.discord_user_id is not None and person.discord_user_id in detail.values())


async def _export_audit(session: AsyncSession, person: Person) -> Any:
    stmt = select(AuditEvent).where(AuditEvent.programme_id == person.programme_id).order_by(col(AuditEvent.id))
    return [{"action": e.action, "at": iso(e.created_at), "detail": e.detail,
             "by_you": person.discord_user_id is not None and e.actor_discord_id == person.discord_user_id}
            for e in await session.exec(stmt) if _names_them(e, person)]


async def _erase_audit(session: AsyncSession, person: Person) -> None:
    """Audit events keep what happened, not who: their actor and any reference to the person are dropped."""
    if person.discord_user_id is not None:
        await session.exec(update(AuditEvent).where(col(AuditEvent.actor_discord_id) == person.discord_user_id)
                           .values(actor_discord_id=None))
    for event in await session.exec(select(AuditEvent).where(AuditEvent.programme_id == person.programme_id)):
        detail = event.detail or {}
        if any(detail.get(k) == person.id for k in _PERSON_KEYS) or \
                (person.discord_user_id is not None and person.discord_user_id in detail.values()):
            event.detail = {k: v for k, v in detail.items()
                            if not (k in _PERSON_KEYS and v == person.id) and v != person.discord_user_id}
            session.add(event)


# --- goals and stories (outcomes) ------------------------------------------------------------------------------

async def _export_outcomes(session: AsyncSession, person: Person) -> Any:
    pid = require_id(person)
    match_ids = [require_id(m) for m in await _their_matches(session, person)]
    goals = await session.exec(select(Goal).where(or_(col(Goal.person_id) == pid, col(Goal.match_id).in_(match_ids)))
                               .order_by(col(Goal.match_id), col(Goal.position)))
    return {
        "goals": [{"text": g.text, "progress": g.progress, "yours": g.person_id == pid,
                   "created_at": iso(g.created_at), "progress_at": iso(g.progress_at)} for g in goals],
        "stories": [{"status": st.status, "text": st.text, "destination": st.destination,
                     "posted_text": st.posted_text, "post_url": st.post_url, "offered_at": iso(st.offered_at)}
                    for st in await outcomes.stories_of_person(session=session, person_id=pid)],
    }


async def _erase_outcomes(session: AsyncSession, person: Person) -> None:
    """Their goals and stories go; a partner's story of their match stays the partner's, without their name
    (what was already posted publicly is out of reach, and said so)."""
    match_ids = [require_id(m) for m in await _their_matches(session, person)]
    pattern = spoken_names(await _called(session, person))
    if pattern is not None and match_ids:
        for story in await session.exec(select(Story).where(col(Story.match_id).in_(match_ids),
                                                            col(Story.person_id) != require_id(person))):
            text, posted = pattern.sub(LEFT, story.text)[:600], \
                pattern.sub(LEFT, story.posted_text)[:1000] if story.posted_text else story.posted_text
            if (text, posted) != (story.text, story.posted_text):
                story.text, story.posted_text = text, posted
                session.add(story)
    await outcomes.erase_outcomes(session=session, person_id=require_id(person), match_ids=match_ids)


async def _outcome_names(session: AsyncSession, person: Person) -> list[str]:
    pid = require_id(person)
    goals = await session.exec(select(Goal.text).where(Goal.person_id == pid))
    stories = await outcomes.stories_of_person(session=session, person_id=pid)
    return [*goals, *(st.text for st in stories)]


# --- programme events ------------------------------------------------------------------------------------------

async def _export_events(session: AsyncSession, person: Person) -> Any:
    pid = require_id(person)
    answers = [{"event": e.title, "kind": e.kind, "starts_at": iso(e.starts_at), "response": r.response,
                "answered_at": iso(r.responded_at), "attended": r.attended, "feedback": r.feedback}
               for r, e in await event_queries.rsvps_of_person(session=session, person_id=pid)]
    sent = [{"event_id": m.event_id, "kind": m.kind, "point": m.point, "due_at": iso(m.due_at), "status": m.status,
             "sent_at": iso(m.sent_at)} for m in await event_queries.messages_of_person(session=session, person_id=pid)]
    return {"answers": answers, "messages": sent}


async def _erase_events(session: AsyncSession, person: Person) -> None:
    await event_queries.erase_person(session=session, person_id=require_id(person))


async def _export_survey_answers(session: AsyncSession, person: Person) -> Any:
    return [{"survey": a.survey_key, "question": a.question_key, "role": a.role,
             "answer": a.value_int if a.value_int is not None else a.value_text, "may_quote": a.quote_ok,
             "answered_at": iso(a.answered_at)}
            for a in await survey_queries.answers_of_person(session=session, person_id=require_id(person))]


async def _erase_survey_answers(session: AsyncSession, person: Person) -> None:
    """Their answers go; their partners' stay (they are the partners'), with the person's name taken out of
    what a partner wrote, and so out of any report that quotes it."""
    await survey_queries.delete_answers_of_person(session=session, person_id=require_id(person))
    match_ids = [require_id(m) for m in await _their_matches(session, person)]
    pattern = spoken_names(await _called(session, person))
    if pattern is None or not match_ids:
        return
    for answer in await survey_queries.text_answers_of_matches(session=session, match_ids=match_ids):
        redacted = pattern.sub(LEFT, answer.value_text or "")
        if redacted != answer.value_text:
            answer.value_text = redacted[:1000]
            session.add(answer)


async def _survey_names(session: AsyncSession, person: Person) -> list[str]:
    """What they wrote in their own words (a choice's key, like ``career``, is no text of theirs)."""
    return [a.value_text for a in await survey_queries.answers_of_person(session=session, person_id=require_id(person))
            if a.value_text and (a.quote_ok is not None or not _CHOICE_KEY.fullmatch(a.value_text))]


#: Export in this order, erase in reverse. Append new holders at the end.
HOLDERS: tuple[Holder, ...] = (
    Holder("person", ("person",), _export_person, _erase_person, _person_names),
    Holder("profile", ("profile",), _export_profile, _erase_profile, _profile_names),
    Holder("onboarding", ("onboarding_session",), _export_onboarding, _erase_onboarding),
    Holder("matches", ("match", "nudge", "past_match"), _export_matches, _erase_matches, _match_names),
    Holder("pair_rules", ("pair_rule",), _export_pair_rules, _erase_pair_rules),
    Holder("prerequisites", ("prerequisite_done",), _export_prerequisites, _erase_prerequisites),
    Holder("match_round_notes", ("match_round",), _export_round_notes, _erase_round_notes),
    Holder("leads", ("lead", "social_post", "reply_claim"), _export_leads, _erase_leads, _lead_names),
    Holder("link_codes", ("identity_proof",), _export_link_codes, _erase_link_codes),
    Holder("wrong_tries", ("guess_counter",), _export_wrong_tries, _erase_wrong_tries),
    Holder("audit_events", ("audit_event",), _export_audit, _erase_audit),
    Holder("goals_and_stories", ("goal", "story"), _export_outcomes, _erase_outcomes, _outcome_names),
    Holder("events", ("event_rsvp", "event_message"), _export_events, _erase_events),
    Holder("survey_answers", ("survey_answer",), _export_survey_answers, _erase_survey_answers, _survey_names),
    Holder("other_messages", ("nudge",), _export_other_messages, _nothing_more),
)

#: Every table a holder covers (vacuumed on PostgreSQL after an erasure)
TABLES: tuple[str, ...] = tuple(sorted({t for holder in HOLDERS for t in holder.tables}))

#: Tables with a column about people that hold no one's personal data, and why.
NOT_PERSONAL: dict[str, str] = {}


async def export_person(*, session: AsyncSession, person: Person) -> dict[str, Any]:
    """Everything stored about the person, one section per holder."""
    return {holder.key: await holder.export(session, person) for holder in HOLDERS}


async def erase_person(*, session: AsyncSession, person: Person) -> None:
    """Delete everything that names the person (open matches are ended by the caller first)."""
    for holder in reversed(HOLDERS):
        await holder.erase(session, person)
        await session.flush()


async def channels_of(*, session: AsyncSession, person: Person) -> set[int]:
    """Where the bot's scheduled messages to them went (their DMs, or with DMs closed their private thread, or
    their pair's space): the channels recorded on their check-ins, surveys and event messages."""
    pid = require_id(person)
    found = set(await session.exec(select(Nudge.channel_id).where(Nudge.person_id == pid,
                                                                  col(Nudge.channel_id).is_not(None))))
    found |= {m.channel_id for m in await event_queries.messages_of_person(session=session, person_id=pid)}
    return {int(c) for c in found if c}


async def names_of(*, session: AsyncSession, person: Person) -> list[str]:
    """Every text of theirs the bot may have quoted in its own messages (read before erasure)."""
    out: list[str] = []
    for holder in HOLDERS:
        if holder.names is not None:
            out += [t for t in await holder.names(session, person) if t]
    return out
