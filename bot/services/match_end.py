"""Ending a match: one path, whatever the reason. No discord import.

A match ends when an organiser unpairs it (``/match unpair``), when the pair agree ("End this match" and the
partner's confirmation), when one of them leaves (``/leave``), or when an organiser pauses one of them and
chooses to end their match. :meth:`MatchEnding.end_match` does, for every one of them:

1. in one transaction: the match ``active`` → ``ended`` (a guarded update: of two callers racing, one ends
   it and the other gets None), its pending nudges cancelled (the mentor's capacity is free again: capacity
   counts active matches), and an audit event ``match.end`` with the reason and who ended it;
2. after the commit, through :class:`MatchSpaces` (the Discord side, given by the bot): both people told in
   words that fit the reason (a DM; closed DMs → their own private thread, never the shared space), the space archived (a channel:
   the pair's overwrites removed and the channel renamed ``ended-…``; a thread: archived and locked), and
   the organisers told once.

A caller that must end the match inside its own transaction (``/leave`` erases the person in the same one)
calls :meth:`MatchEnding.close` there and :meth:`MatchEnding.follow_up` after its commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import plural
from bot.clock import Clock
from bot.onboarding.safe_text import safe_text
from bot.services.dm_reach import dms_closed_now
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import Match
from storage.queries import audit, matching, nudges, people
from storage.queries.onboarding import known_dm_channel

log = logging.getLogger(__name__)

EndReason = Literal["organiser", "pair", "left", "paused", "lapsed"]
STORED_REASON: dict[EndReason, str] = {
    "pair": "ended by the pair", "left": "left", "paused": "paused by an organiser", "organiser": "ended by an organiser",
    "lapsed": "an end request went unanswered",
}


class MatchNotFound(LookupError):
    """No match with that id in the acting programme (unknown, or another programme's)."""


@dataclass(frozen=True)
class Party:
    """One of the pair, as the follow-up needs them (read before ``/leave`` erases the person)."""

    person_id: int
    role: Literal["mentor", "mentee"]
    discord_user_id: int | None
    name: str
    dm_channel_id: int | None
    dms_closed: bool
    #: their row carries the closed-DMs mark (a DM that gets through clears it)
    dms_marked: bool = False


@dataclass(frozen=True)
class EndedMatch:
    match_id: int
    programme: Programme
    reason: EndReason
    by: int | None  # the Discord user who ended it (an organiser, one of the pair), None: the bot
    note: str  # an organiser's own words, when they gave some
    space_id: int | None
    space_kind: str | None  # "channel" | "thread"
    mentor: Party
    mentee: Party
    subject_person_id: int | None = None  # who left or was paused
    #: the space is the mentor's pod and other active matches still share it: only the mentee leaves it
    space_shared: bool = False

    @property
    def parties(self) -> tuple[Party, Party]:
        return self.mentor, self.mentee

    @property
    def left_without_partner(self) -> tuple[Party, ...]:
        """Who may need a new partner: the partner of someone who left or was paused; otherwise the mentee (the
        mentor's place is simply free again). Never someone who has gone."""
        if self.reason in ("left", "paused"):
            return tuple(p for p in self.parties if p.person_id != self.subject_person_id)
        return (self.mentee,)

    def partner_of(self, party: Party) -> Party:
        return self.mentee if party.person_id == self.mentor.person_id else self.mentor


class MatchSpaces(Protocol):
    """What ending a match needs from Discord (implemented by the bot; a test may give its own)."""

    async def tell(self, ended: EndedMatch, party: Party, text: str) -> bool:
        """DM ``party`` (closed DMs: in a private thread only they see, never the pair's space). False:
        unreachable."""

    async def archive(self, ended: EndedMatch) -> bool:
        """Archive the pair's space (a pod others still share: only the mentee leaves it). False: there was
        none or it could not be archived."""

    async def tell_organisers(self, programme: Programme, text: str, *, rematch: tuple[Party, ...] = ()) -> None:
        """Post in the programme's organisers channel; ``rematch``: the people left without a partner (each gets
        a "Find a new partner" button)."""


def rematch_words(programme: Programme) -> str:
    """What someone left without a partner is told about their next one, in the programme's voice: with rolling
    intake they are back in the pool (the next scheduled matching includes them); otherwise kept for the next
    round (unmatched mentees stay in the pool, and the history rule never re-pairs the same two)."""
    key = "rematch_rolling" if programme.config.rhythm.mode == "rolling" else "rematch_round"
    return programme.config.messages().say(key, programme=programme.config.name)


def words_for(ended: EndedMatch, party: Party) -> str | None:
    """What ``party`` is told (None: nothing — the person who left has gone and got their answer)."""
    name = ended.programme.config.name
    voice = ended.programme.config.messages()
    partner = ended.partner_of(party)
    again = " " + (rematch_words(ended.programme) if party.role == "mentee"
                   else voice.say("mentor_place_free", programme=name))
    if ended.reason == "left":
        if party.person_id == ended.subject_person_id:
            return None
        return voice.say("partner_left", programme=name) + again
    if ended.reason == "paused":
        if party.person_id == ended.subject_person_id:
            return voice.say("paused_you", programme=name, partner=partner.name)
        return voice.say("partner_paused", programme=name, partner=partner.name) + again
    if ended.reason == "pair":  # in the programme's own voice
        return voice.say("match_ended", name=party.name, partner=partner.name, programme=name) + again
    if ended.reason == "lapsed":  # one asked to end it; the other never answered (``subject`` asked)
        days = plural.count(voice.end_request_days, "day")
        key = "lapsed_asker" if party.person_id == ended.subject_person_id else "lapsed_partner"
        return voice.say(key, programme=name, partner=partner.name, days=days) + again
    why = f" Their note: “{safe_text(ended.note, 300)}”." if ended.note else ""
    return voice.say("ended_by_organisers", programme=name, partner=partner.name) + why + again


def organiser_words(ended: EndedMatch, archived: bool, told: int) -> str:
    """The one notice the organisers get (never naming someone who left: their data is gone)."""
    if ended.reason == "left":
        stays = next((p for p in ended.parties if p.person_id != ended.subject_person_id), ended.mentee)
        who = f"<@{stays.discord_user_id}>" if stays.discord_user_id else "an imported member"
        return (f"👋 A member left **{ended.programme.config.name}** and their data was deleted. Match "
                f"{ended.match_id} ended; their partner {who} was told and may need a new match"
                f"{'' if archived else ' (their space could not be archived)' if ended.space_id else ''}.")
    pair = f"{ended.mentor.name} → {ended.mentee.name}"
    how = {
        "organiser": f"ended by <@{ended.by}>" if ended.by else "ended by an organiser",
        "pair": "ended: both agreed",
        "paused": f"ended: <@{ended.by}> paused one of them" if ended.by else "ended: one of them was paused",
        "lapsed": "ended: one asked to end it and the other did not answer in time",
    }[ended.reason]
    note = f" ({safe_text(ended.note, 200)})" if ended.note else ""
    if ended.space_shared:
        space = "the mentee left the mentor's pod" if archived else "⚠️ the mentee could not be removed from the pod"
    else:
        space = "space archived" if archived else "no space to archive" if ended.space_id is None else \
            "⚠️ the space could not be archived"
    return f"Match {ended.match_id} ({pair}) {how}{note}; {space}; {told} of 2 told. The mentor's place is free."


class MatchEnding:
    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self.spaces: MatchSpaces | None = None  # given by the bot once it is connected

    async def end_match(self, programme: Programme, match_id: int, reason: EndReason, by: int | None, *,
                        note: str = "", subject_person_id: int | None = None) -> EndedMatch | None:
        """End an active match of ``programme`` and follow up. None when it was not active (someone else
        ended it first). A match id of another programme is refused (:class:`MatchNotFound`), as is an
        unknown one: an id typed in one guild never reaches another programme's match."""
        async with transaction(self._sessions) as session:
            match = await matching.get_match(session=session, match_id=match_id)
            if match is None or match.programme_id != programme.id:
                raise MatchNotFound(f"there is no match {match_id} in {programme.config.name}")
            ended = await self.close(session, match, reason, by, note=note, subject_person_id=subject_person_id)
        if ended is not None:
            await self.follow_up(ended)
        return ended

    async def close(self, session: AsyncSession, match: Match, reason: EndReason, by: int | None, *,
                    note: str = "", subject_person_id: int | None = None) -> EndedMatch | None:
        """The database half, in the caller's transaction: ended once, nudges cancelled, audited."""
        programme = self._registry.by_id(match.programme_id)
        if programme is None:
            raise LookupError(f"match {match.id} belongs to no loaded programme")
        match_id = require_id(match)
        now = self._clock.now()
        stored = note.strip()[:200] if reason == "organiser" and note.strip() else STORED_REASON[reason]
        if not await matching.end_match(session=session, match_id=match_id, reason=stored, now=now):
            return None
        await nudges.cancel_nudges(session=session, match_id=match_id)
        await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=by,
                                    action="match.end", detail={"match": match_id, "reason": reason,
                                                                "note": note[:200]}, now=now)
        return EndedMatch(
            match_id=match_id, programme=programme, reason=reason, by=by, note=note.strip(),
            space_id=match.space_id, space_kind=match.space_kind,
            mentor=await self._party(session, match.mentor_person_id, "mentor"),
            mentee=await self._party(session, match.mentee_person_id, "mentee"),
            subject_person_id=subject_person_id,
            space_shared=match.space_id is not None and bool(
                await matching.active_matches_in_space(session=session, space_id=match.space_id)),
        )

    async def _party(self, session: AsyncSession, person_id: int, role: Literal["mentor", "mentee"]) -> Party:
        person = await people.get_person(session=session, person_id=person_id)
        if person is None:
            return Party(person_id, role, None, "someone who has left", None, True)
        return Party(person_id, role, person.discord_user_id, person.display_name or "your partner",
                     await known_dm_channel(session=session, person_id=person_id),
                     dms_closed_now(person, self._clock.now()), person.dms_closed)

    async def follow_up(self, ended: EndedMatch) -> None:
        """Tell both people, archive the space, tell the organisers once (best effort: each step is logged
        when Discord refuses it; the match stays ended)."""
        spaces = self.spaces
        if spaces is None:
            log.warning("match %s ended with no Discord connection: nobody was told", ended.match_id)
            return
        told = 0
        for party in ended.parties:
            text = words_for(ended, party)
            if text is None:
                told += 1  # the person who left has their answer already
                continue
            if party.discord_user_id is not None and await spaces.tell(ended, party, text):
                told += 1
        archived = await spaces.archive(ended)
        await spaces.tell_organisers(ended.programme, organiser_words(ended, archived, told),
                                     rematch=ended.left_without_partner)
