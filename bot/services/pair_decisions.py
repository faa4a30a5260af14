"""Organisers' decisions about particular pairs, from Discord: who a typed reference means (a member or an
imported person), a pair forced into or kept out of every round, and a reminder to a quiet pair."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.clock import Clock
from bot.services.dm_reach import Recipient, recipient
from bot.services.members import Member
from bot.services.programmes import Programme
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import Match, MatchStatus, PairRuleKind, PersonStatus
from storage.queries import audit, matching, people

MENTION = re.compile(r"^<@!?(\d{5,25})>$")


class NotFound(LookupError):
    """A reference that names nobody, or several people: the message says which."""


@dataclass(frozen=True)
class QuietPair:
    match_id: int
    space_id: int | None
    mentor: Member
    mentee: Member
    #: how to reach each of the two privately when the reminder cannot go to their space (None: no Discord account)
    mentor_reach: Recipient | None = None
    mentee_reach: Recipient | None = None
    #: ``space_id`` is a mentor's pod, shared with their other mentees: a reminder about this pair never goes there
    #: (only to each of the two privately; with DMs closed, their own thread in the pod's channel)
    shared: bool = False


class PairDecisions:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def find(self, programme: Programme, ref: str) -> Member:
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
                return Member.of(person)
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
        return Member.of(match[0])

    async def set_rule(self, programme: Programme, mentor: Member, mentee: Member, kind: PairRuleKind,
                       actor: int) -> None:
        """Force (always pair, next round) or forbid (never pair) ``mentor`` with ``mentee``."""
        if mentor.person_id == mentee.person_id:
            raise NotFound("that is the same person twice")
        async with transaction(self._sessions) as session:
            await matching.set_pair_rule(session=session, programme_id=programme.id,
                                         mentor_person_id=mentor.person_id, mentee_person_id=mentee.person_id,
                                         kind=kind)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action=f"pair.{kind}", detail=audit.as_detail(
                                            mentor=mentor.person_id, mentee=mentee.person_id),
                                        now=self._clock.now())

    async def quiet_pair(self, programme: Programme, person: Member, actor: int) -> QuietPair | None:
        """The active pair ``person`` is in (to remind), audited; None when they are in none."""
        pid = person.person_id
        async with transaction(self._sessions) as session:
            active: Match | None = next(
                (m for m in await matching.matches_of_person(session=session, person_id=pid)
                 if m.status == MatchStatus.ACTIVE and m.programme_id == programme.id), None)
            if active is None:
                return None
            found = await people.people_with_profiles(
                session=session, person_ids=(active.mentor_person_id, active.mentee_person_id))
            now = self._clock.now()
            mentor, mentee = found[active.mentor_person_id][0], found[active.mentee_person_id][0]
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action="pair.remind", detail=audit.as_detail(match_id=active.id), now=now)
            shared = active.space_id is not None and (programme.config.pods or len(
                await matching.active_matches_in_space(session=session, space_id=active.space_id)) > 1)
            return QuietPair(require_id(active), active.space_id, Member.of(mentor), Member.of(mentee),
                             await recipient(session, mentor, now), await recipient(session, mentee, now), shared)
