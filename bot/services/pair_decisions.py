"""Organisers' decisions about particular pairs, from Discord: who a typed reference means (a member or an
imported person), a pair forced into or kept out of every round, and a reminder to a quiet pair."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.clock import Clock
from bot.services.programmes import Programme
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import Match, MatchStatus, PairRuleKind, Person, PersonStatus
from storage.queries import audit, matching, people

MENTION = re.compile(r"^<@!?(\d{5,25})>$")


class NotFound(LookupError):
    """A reference that names nobody, or several people: the message says which."""


@dataclass(frozen=True)
class QuietPair:
    match_id: int
    space_id: int | None
    mentor: Person
    mentee: Person


class PairDecisions:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def find(self, programme: Programme, ref: str) -> Person:
        """The person ``ref`` means: an @mention or Discord id, ``#<number>`` (the bot's person number, as
        in exports), or a name (members and imported people alike; exact, ignoring case)."""
        text = ref.strip()
        async with self._sessions() as session:
            found = MENTION.match(text)
            if found or (text.isdigit() and len(text) >= 15):
                did = int(found.group(1) if found else text)
                person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                            discord_user_id=did)
                if person is None:
                    raise NotFound(f"{text} has no place in {programme.config.name}")
                return person
            everyone = [p for p in await people.people_in_programme(session=session, programme_id=programme.id)
                        if p.status != PersonStatus.LEFT]
        if text.startswith("#") and text[1:].isdigit():
            match = [p for p in everyone if p.id == int(text[1:])]
        else:
            match = [p for p in everyone if p.display_name.casefold() == text.casefold()]
        if not match:
            raise NotFound(f"nobody called “{text}” is in {programme.config.name}")
        if len(match) > 1:
            numbers = ", ".join(f"#{p.id}" for p in match[:10])
            raise NotFound(f"{len(match)} people are called “{text}”; use their number: {numbers}")
        return match[0]

    async def set_rule(self, programme: Programme, mentor: Person, mentee: Person, kind: PairRuleKind,
                       actor: int) -> None:
        """Force (always pair, next round) or forbid (never pair) ``mentor`` with ``mentee``."""
        if require_id(mentor) == require_id(mentee):
            raise NotFound("that is the same person twice")
        async with transaction(self._sessions) as session:
            await matching.set_pair_rule(session=session, programme_id=programme.id,
                                         mentor_person_id=require_id(mentor), mentee_person_id=require_id(mentee),
                                         kind=kind)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action=f"pair.{kind}", detail=audit.as_detail(
                                            mentor=require_id(mentor), mentee=require_id(mentee)),
                                        now=self._clock.now())

    async def quiet_pair(self, programme: Programme, person: Person, actor: int) -> QuietPair | None:
        """The active pair ``person`` is in (to remind), audited; None when they are in none."""
        pid = require_id(person)
        async with transaction(self._sessions) as session:
            active: Match | None = next(
                (m for m in await matching.matches_of_person(session=session, person_id=pid)
                 if m.status == MatchStatus.ACTIVE and m.programme_id == programme.id), None)
            if active is None:
                return None
            found = await people.people_with_profiles(
                session=session, person_ids=(active.mentor_person_id, active.mentee_person_id))
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action="pair.remind", detail=audit.as_detail(match_id=active.id),
                                        now=self._clock.now())
        return QuietPair(require_id(active), active.space_id, found[active.mentor_person_id][0],
                         found[active.mentee_person_id][0])
