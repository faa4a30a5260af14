"""Self-service on one's own data: view, pause, resume, download, leave (delete)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.onboarding.safe_text import escape_markdown, safe_text
from bot.services.catch_up import SEEN_MARK
from bot.services.circle import CircleService
from bot.services.erasure_work import ErasureWork
from bot.services.intake import IntakeService, PublicReply
from bot.services.match_end import EndedMatch, EndReason, MatchEnding
from bot.services.nudges import NudgeService
from bot.services.programmes import Programme
from storage import personal_data
from storage.db import SessionFactory, erasure_of, transaction
from storage.ids import require_id
from storage.models import Lead, Match, MatchStatus, PersonStatus, StoryStatus
from storage.queries import audit, intake, matching, nudges, onboarding, outcomes, people

#: What /leave keeps, said the same way in /mydata and the leave prompt.
AFTER_LEAVE = ("/leave deletes everything above. The programme keeps only anonymous facts that name nobody: "
               "that a match existed, when it began and ended, and how it ended — so its statistics and "
               "reports don't shrink. The bot also removes your name from its own messages in Discord "
               "(organisers' notices, your pair's space, your partner's DMs). What it cannot reach: replies "
               "only one person could see (\"Only you can see this\", e.g. an organiser's match preview) can't be "
               "changed once sent — Discord drops them when that person dismisses them or reloads; what other "
               "people wrote themselves. Its public replies to your hashtag posts on X, Bluesky or Mastodon name your "
               "handle: the bot deletes them too, within minutes, and asks the organisers to when a platform refuses.")

@dataclass
class LeaveResult:
    found: bool
    ended: list[EndedMatch] = field(default_factory=list)
    # what named them in the bot's own messages (read before erasure): the caller redacts those messages
    names: list[str] = field(default_factory=list)
    known_since: datetime | None = None
    left_at: datetime | None = None
    # where the bot's own messages may name them (read before erasure): the pair spaces of their matches,
    # their partners' DM channels (user id, known DM channel) and their private onboarding threads
    spaces: list[int] = field(default_factory=list)
    partner_dms: list[tuple[int, int | None]] = field(default_factory=list)
    onboarding_threads: list[int] = field(default_factory=list)
    # where their check-ins, surveys and event messages went: their DMs, their private thread (DMs closed), a
    # space; the bot's messages there were theirs
    message_channels: list[int] = field(default_factory=list)
    # their own DMs with the bot (their user id, known DM channel): the bot's messages there hold their answers
    own_dm: tuple[int, int | None] | None = None
    # their stories: the ones already public (where, address) stay there; the rest were deleted
    public_stories: list[tuple[str, str | None]] = field(default_factory=list)
    stories_deleted: int = 0
    # the bot's public replies to their hashtag posts (they name their handle): queued with the erasure and
    # deleted on each platform by the background work (:mod:`bot.services.erasure_work`) minutes later at most;
    # those a platform does not delete are left to the organisers (their addresses name nobody)
    public_replies: list[PublicReply] = field(default_factory=list)


def naming_strings(discord_user_id: int | None, texts: list[str]) -> list[str]:
    """The ways a person appears in the bot's messages: their mention, and each name, handle or note as
    typed and as escaped for Discord (longest first, so a name is replaced before a part of it)."""
    out = {f"<@{discord_user_id}>", f"<@!{discord_user_id}>"} if discord_user_id else set()
    for text in texts:
        text = (text or "").strip()
        if len(text) >= 3:
            out |= {text, escape_markdown(text), safe_text(text, 2000), safe_text(text, 300), safe_text(text, 60)}
    return sorted((s for s in out if len(s) >= 3), key=len, reverse=True)


class PeopleService:
    def __init__(self, sessions: SessionFactory, clock: Clock, nudges: NudgeService | None = None,
                 ending: MatchEnding | None = None, intake: IntakeService | None = None,
                 circle: CircleService | None = None, work: ErasureWork | None = None) -> None:
        self._sessions = sessions
        self._work = work
        self._clock = clock
        self._nudges = nudges
        self._ending = ending
        self._intake = intake
        self._circle = circle

    async def heard_in_dms(self, discord_user_id: int) -> None:
        """They wrote to the bot in its DMs: DMs remembered closed are tried again at their next message (and
        the flag cleared when that gets through; see :mod:`bot.services.dm_reach`). Every DM comes here, and
        nearly always there is nothing to clear: that is found with a read, and only a clearing is written."""
        async with self._sessions() as session:
            if await people.dms_to_retry(session=session, discord_user_id=discord_user_id):
                await people.retry_dms_soon(session=session, discord_user_id=discord_user_id)
                await session.commit()

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
        """Everything stored about the person in this programme, as JSON-ready data: one section per holder
        of personal data (:mod:`storage.personal_data`)."""
        async with self._sessions() as session:
            person = await people.get_person_by_discord(
                session=session, programme_id=programme.id, discord_user_id=discord_user_id
            )
            if person is None:
                return None
            sections = await personal_data.export_person(session=session, person=person)
        if self._circle is not None:  # not stored: worked out from the profile, and kept in step on Discord
            sections["mentor_circle"] = {"member": discord_user_id in await self._circle.members(programme),
                                         "why": "mentors of the programme are in its mentor circle"}
        return {"programme": programme.key, **sections, "after_leave": AFTER_LEAVE}

    async def leave(self, programme: Programme, discord_user_id: int, *, joined_at: datetime | None = None,
                    member: bool = True) -> LeaveResult:
        """Delete the person's data; end their open matches (the caller tells partners and organisers). What
        is left — rewriting the tables so no copy stays in the database files, deleting the bot's public replies
        that named them — is queued in the same transaction and done by the background work, kicked after the
        commit and not waited for. ``joined_at``: when they joined the programme's guild, if the caller knows
        (so that no catch-up welcomes them again; unknown, every join until now is taken as looked at);
        ``member=False``: they are not in the guild (no catch-up sees them)."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            person = await people.get_person_by_discord(
                session=session, programme_id=programme.id, discord_user_id=discord_user_id
            )
            if person is None:
                return LeaveResult(found=False)
            pid = require_id(person)
            result = LeaveResult(found=True, left_at=now)
            leads = [lead for lead in await intake.leads_in_programme(session=session, programme_id=programme.id)
                     if lead.person_id == person.id]
            result.public_replies = await self._public_replies(session, programme, leads)
            result.names = naming_strings(person.discord_user_id,
                                          await personal_data.names_of(session=session, person=person))
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
            for story in await outcomes.stories_of_person(session=session, person_id=pid):
                if story.status == StoryStatus.POSTED:
                    result.public_stories.append((story.destination or "", story.post_url))
                    await people.bump_counter(session=session, programme_id=programme.id, name="stories_posted_left")
                elif story.status not in (StoryStatus.OFFERED, StoryStatus.DECLINED, StoryStatus.UNREACHABLE):
                    result.stories_deleted += 1
            await people.erase_person(session=session, person_id=pid)
            # no catch-up welcomes them again, though they have no row any more and may still be in the guild: the
            # instant they joined is kept (no id, no name); unknown, every join until now counts as looked at —
            # and with it anyone else's whose welcome is still owed (see bot.services.catch_up)
            if member and joined_at is not None:
                await people.remember_left_join(session=session, programme_id=programme.id, joined_at=joined_at)
            elif member:
                await people.raise_mark(session=session, programme_id=programme.id, name=SEEN_MARK,
                                        value=math.ceil(now.timestamp()))
            await people.bump_counter(session=session, programme_id=programme.id, name="people_left")
            await audit.add_audit_event(
                session=session, programme_id=programme.id, actor_discord_id=None, action="person.leave",
                detail={"ended_matches": len(result.ended)}, now=now,
            )
            # no copy left in the database files (SQLite's log; PostgreSQL's dead rows and freed space in every
            # table that may ever have held their data: older versions of their rows, deleted or updated before,
            # too), and no public reply of the bot's naming them: queued with the erasure, so it survives a stop
            if self._work is not None:
                await self._work.queue(session, programme_id=programme.id,
                                       erasure=await erasure_of(session, personal_data.TABLES),
                                       replies=result.public_replies if self._intake is not None else [])
        if self._work is not None:
            self._work.kick()
        for ended in result.ended:  # after the commit: partners told, spaces archived, organisers told
            await self._follow_up(ended)
        if not result.ended and self._ending is not None and self._ending.spaces is not None:
            await self._ending.spaces.tell_organisers(
                programme, f"👋 A member left **{programme.config.name}** and their data was deleted.")
        return result

    async def _public_replies(self, session: AsyncSession, programme: Programme, leads: list[Lead]) -> list[PublicReply]:
        """The bot's public posts addressed to them: its reply to each of their leads, and any post of its own
        it has seen that starts a line with their @handle."""
        found: dict[tuple[str, str], PublicReply] = {}
        for lead in leads:
            if lead.reply_post_id:
                found[(lead.platform, lead.reply_post_id)] = PublicReply(lead.platform, lead.reply_post_id)
            for post in await intake.own_posts_naming(session=session, programme_id=programme.id,
                                                      platform=lead.platform, handle=lead.author_handle):
                found[(lead.platform, post.post_id)] = PublicReply(lead.platform, post.post_id)
        return list(found.values())

    async def _traces(self, session: AsyncSession, pid: int, programme: Programme, result: LeaveResult) -> None:
        for m in await matching.matches_of_person(session=session, person_id=pid):
            if m.space_id is not None:
                result.spaces.append(m.space_id)
            partner_id = m.mentee_person_id if m.mentor_person_id == pid else m.mentor_person_id
            partner = await people.get_person(session=session, person_id=partner_id)
            if partner is not None and partner.discord_user_id is not None:
                result.partner_dms.append((partner.discord_user_id,
                                           await onboarding.known_dm_channel(session=session, person_id=partner_id)))
        person = await people.get_person(session=session, person_id=pid)
        if person is not None and person.discord_user_id is not None:
            result.own_dm = (person.discord_user_id, await onboarding.known_dm_channel(session=session, person_id=pid))
        if person is not None:
            result.message_channels = sorted(await personal_data.channels_of(session=session, person=person)
                                             - set(result.spaces))
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

