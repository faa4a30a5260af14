"""Share your story: when a match has ended, the people who rated it highly are offered — once — to share a
short story. They write it (a modal), see exactly what would be posted, choose where (the programme's hashtag
on X, Bluesky or Mastodon, posted by the bot; or the organisers only), and confirm. No discord import.

Exactly once: the offer is a row unique per person and match (inserted before the DM, so never offered twice);
a confirmation is a guarded update ``written`` → ``posting`` at the version the person previewed, committed
before anything is posted, so a double click, two processes or a retry never post twice. A platform that
refuses (nothing posted) puts the story back to ``written``; an unclear answer (a timeout: it may have gone
out) leaves it ``failed`` and the organisers check — it is never posted again by the bot.

Who rated highly: ``signal`` — the programme's end-of-match survey (its scales average 4 or more of 5); a
programme without one falls back to the check-ins (the person said they had met and never asked for help).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.intake.source import ReplyResult, platform_name
from bot.nudges.quiet import is_quiet, zone_of
from bot.onboarding.safe_text import safe_text
from bot.services.dm_reach import dms_closed_now
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.services.surveys.ratings import gave_high_ratings
from bot.stories import PUBLIC, Signature, clean_story, compose
from bot.voice import StoryWords
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import INACTIVE, Match, NudgeKind, Person, Story, StoryStatus
from storage.queries import audit, intake, matching, nudges, onboarding, people
from storage.queries import outcomes as q

log = logging.getLogger(__name__)

#: how long after a match ends its people may still be offered (a survey answered late still counts)
OFFER_WINDOW = timedelta(days=30)
#: end reasons that are no occasion for a story (someone left, was paused, or never answered)
NOT_AN_OCCASION = ("left", "paused by an organiser", "an end request went unanswered")

Signal = Callable[..., Awaitable[bool]]


async def checkin_signal(*, session: AsyncSession, programme: Programme, match_id: int, person_id: int) -> bool:
    """Until the end-of-match survey gives ratings: the person answered a check-in "We've met" and never
    "We need help" (a pair that worked, in their own answers)."""
    answers = [n.answer for n in await nudges.nudges_of_match(session=session, match_id=match_id)
               if n.person_id == person_id and n.kind == NudgeKind.CHECKIN and n.answer]
    return "met" in answers and "help" not in answers


async def rating_signal(*, session: AsyncSession, programme: Programme, match_id: int, person_id: int) -> bool:
    """High ratings in the programme's end-of-match survey (4 or more out of 5 on average); a programme that
    sends no end-of-match survey with scales falls back to :func:`checkin_signal`."""
    if any(s.at == "end" and any(q.kind == "scale" for q in s.questions) for s in programme.config.survey_plan()):
        return await gave_high_ratings(session=session, programme=programme, match_id=match_id, person_id=person_id)
    return await checkin_signal(session=session, programme=programme, match_id=match_id, person_id=person_id)


class StoryOutlets(Protocol):
    """What sharing a story needs from Discord (given by the bot): the organisers' channel."""

    async def tell_organisers(self, programme: Programme, text: str) -> bool: ...


class Publisher(Protocol):
    """The platforms (the intake's clients)."""

    def can_publish_on(self, programme: Programme) -> list[str]: ...

    def hashtag(self, programme: Programme, platform: str) -> str | None: ...

    async def publish(self, programme: Programme, platform: str, text: str) -> tuple[ReplyResult, str | None]: ...


@dataclass(frozen=True)
class StoryOffer:
    """One offer to DM — with DMs closed, to the person's own private thread (the row exists: it is never made
    again)."""

    story_id: int
    programme: Programme
    person_id: int
    discord_user_id: int
    dm_channel_id: int | None
    dms_closed: bool
    text: str
    #: the person's row carries the closed-DMs mark (a DM that gets through clears it)
    dms_marked: bool = False


@dataclass(frozen=True)
class Choice:
    destination: str
    with_handle: bool
    label: str


@dataclass(frozen=True)
class StoryAnswer:
    """What the person is told, and what they may do next (``choices``, or ``preview`` to confirm); ``words``:
    the programme's, for the buttons that come next."""

    ok: bool
    reply: str
    story_id: int = 0
    version: int = 0
    choices: tuple[Choice, ...] = ()
    preview: str | None = None
    destination: str | None = None
    with_handle: bool = False
    url: str | None = None
    organisers_notice: list[str] = field(default_factory=list)
    programme: Programme | None = None
    words: StoryWords = field(default_factory=StoryWords)


def story_words(programme: Programme | None) -> StoryWords:
    """The programme's words for its stories (an offer whose programme is gone: the neutral ones)."""
    return programme.config.messages().stories if programme is not None else StoryWords()


class StoryService:
    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock, publisher: Publisher,
                 signal: Signal = rating_signal) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self._publisher = publisher
        self.signal = signal
        self.outlets: StoryOutlets | None = None  # given by the bot once it is connected

    # ---- offers -----------------------------------------------------------------------------------------
    async def offers_due(self, programme: Programme) -> list[StoryOffer]:
        """The people of recently ended matches who rated them highly and were never offered: one row each,
        committed before the DM (so never offered twice). Someone in their quiet hours waits for daytime."""
        now = self._clock.now()
        out: list[StoryOffer] = []
        async with transaction(self._sessions) as session:
            for match in await q.ended_matches_since(session=session, programme_id=programme.id,
                                                     since=now - OFFER_WINDOW):
                if (match.end_reason or "") in NOT_AN_OCCASION:
                    continue
                mid = require_id(match)
                found = await people.people_with_profiles(
                    session=session, person_ids=(match.mentor_person_id, match.mentee_person_id))
                for pid in (match.mentor_person_id, match.mentee_person_id):
                    person, profile = found.get(pid, (None, None))
                    if person is None or person.discord_user_id is None or person.status in INACTIVE:
                        continue
                    if await q.story_for(session=session, programme_id=programme.id, person_id=pid, match_ref=mid):
                        continue
                    if is_quiet(now, zone_of(profile.answers if profile else None), programme.config.quiet_hours):
                        continue
                    if not await self.signal(session=session, programme=programme, match_id=mid, person_id=pid):
                        continue
                    story = await q.add_story_offer(session=session, programme_id=programme.id, person_id=pid,
                                                    match_id=mid, now=now)
                    if story is None:
                        continue
                    partner_id = match.mentee_person_id if pid == match.mentor_person_id else match.mentor_person_id
                    partner = found.get(partner_id, (None, None))[0]
                    text = programme.config.messages().say(
                        "story_offer", name=safe_text(person.display_name, 60),
                        partner=safe_text(partner.display_name, 60) if partner else story_words(programme).your_partner,
                        programme=programme.config.name)
                    out.append(StoryOffer(require_id(story), programme, pid, person.discord_user_id,
                                          await onboarding.known_dm_channel(session=session, person_id=pid),
                                          dms_closed_now(person, now), text, person.dms_closed))
        return out

    async def record_offer(self, story_id: int, *, delivered: bool) -> None:
        """An offer that could not be delivered (DMs closed and no private thread) is not made again."""
        if delivered:
            return
        async with transaction(self._sessions) as session:
            await q.set_story_status(session=session, story_id=story_id, status=StoryStatus.UNREACHABLE,
                                     now=self._clock.now(), expect=(StoryStatus.OFFERED,))

    # ---- writing and choosing ---------------------------------------------------------------------------
    def form_words(self, programme_id: int | None) -> StoryWords:
        """The words of the story's form, in the voice of its programme (named by the button). The form is the
        click's first answer, due at once: nothing is read. A button that does not name it (sent before buttons
        did) or names a programme no longer running: the bot's one programme's words; with several, the neutral
        ones."""
        programme = self._registry.by_id(programme_id) if programme_id is not None else None
        if programme is None:
            running = self._registry.all()
            programme = running[0] if len(running) == 1 else None
        return story_words(programme)

    async def write(self, story_id: int, discord_user_id: int, text: str | None) -> StoryAnswer:
        """Save the story (or a rewrite) and offer the places it may go."""
        story_text = clean_story(text)
        async with transaction(self._sessions) as session:
            found = await self._story_of(session, story_id, discord_user_id)
            if isinstance(found, StoryAnswer):
                return found
            story, programme, person = found
            words = story_words(programme)
            if not story_text:
                return StoryAnswer(False, words.empty, words=words)
            version = await q.write_story(session=session, story_id=story_id, text=story_text, now=self._clock.now())
            if version is None:
                return StoryAnswer(False, self._settled(story, words), words=words)
            choices = await self._choices(session, programme, person, words)
        return StoryAnswer(True, words.where, story_id, version, choices, words=words)

    async def _choices(self, session: AsyncSession, programme: Programme, person: Person,
                       words: StoryWords) -> tuple[Choice, ...]:
        out: list[Choice] = []
        for platform in self._publisher.can_publish_on(programme):
            out.append(Choice(platform, False, words.say("post_on", platform=platform_name(platform))))
            if await self._handle(session, programme, person, platform):
                out.append(Choice(platform, True, words.say("post_with_handle", platform=platform_name(platform))))
        out.append(Choice("organisers", False, words.organisers_only))
        return tuple(out)

    async def preview(self, story_id: int, discord_user_id: int, destination: str, with_handle: bool) -> StoryAnswer:
        """Exactly what would be posted where — nothing is sent yet."""
        async with self._sessions() as session:
            found = await self._story_of(session, story_id, discord_user_id)
            if isinstance(found, StoryAnswer):
                return found
            story, programme, person = found
            words = story_words(programme)
            if story.status != StoryStatus.WRITTEN:
                return StoryAnswer(False, self._settled(story, words), words=words)
            text = await self._compose(session, programme, person, story, destination, with_handle)
            if text is None:
                return StoryAnswer(False, words.place_gone, words=words)
        said = words.say("preview_public", platform=platform_name(destination)) if destination in PUBLIC \
            else words.preview_organisers
        return StoryAnswer(True, said, story_id, story.version, preview=text, destination=destination,
                           with_handle=with_handle, programme=programme, words=words)

    async def _compose(self, session: AsyncSession, programme: Programme, person: Person, story: Story,
                       destination: str, with_handle: bool) -> str | None:
        if destination != "organisers" and destination not in self._publisher.can_publish_on(programme):
            return None
        handle = await self._handle(session, programme, person, destination) if with_handle else None
        if with_handle and handle is None:
            return None
        role = story_words(programme).signed(await self._role(session, story))
        return compose(story.text, destination=destination, signature=Signature(role, handle),
                       hashtag=self._publisher.hashtag(programme, destination) if destination in PUBLIC else None)

    # ---- confirming: the one post -----------------------------------------------------------------------
    async def confirm(self, story_id: int, discord_user_id: int, destination: str, with_handle: bool,
                      version: int) -> StoryAnswer:
        """Post the previewed text (claimed first: never twice). ``version`` is the preview's: a story rewritten
        since is not posted from an old preview."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            found = await self._story_of(session, story_id, discord_user_id)
            if isinstance(found, StoryAnswer):
                return found
            story, programme, person = found
            words = story_words(programme)
            text = await self._compose(session, programme, person, story, destination, with_handle)
            if text is None:
                return StoryAnswer(False, words.place_gone, words=words)
            if not await q.claim_story(session=session, story_id=story_id, version=version, destination=destination,
                                       with_handle=with_handle, posted_text=text, now=now):
                fresh = await q.get_story(session=session, story_id=story_id)
                if fresh is not None and fresh.status == StoryStatus.WRITTEN:
                    return StoryAnswer(False, words.changed, words=words)
                return StoryAnswer(False, self._settled(fresh or story, words), words=words)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=discord_user_id,
                                        action="story.share", detail={"story": story_id, "where": destination}, now=now)
        return await self._publish(programme, story_id, destination, text, discord_user_id)

    async def _publish(self, programme: Programme, story_id: int, destination: str, text: str,
                       discord_user_id: int) -> StoryAnswer:
        now = self._clock.now()
        words = story_words(programme)
        if destination == "organisers":
            sent = self.outlets is not None and await self.outlets.tell_organisers(
                programme, words.say("to_organisers", person=f"<@{discord_user_id}>", story=text))
            status = StoryStatus.SHARED if sent else StoryStatus.WRITTEN
            async with transaction(self._sessions) as session:
                await q.finish_story(session=session, story_id=story_id, status=status, now=now,
                                     error=None if sent else "the organisers' channel could not be reached")
            return StoryAnswer(True, words.shared, words=words) if sent else \
                StoryAnswer(False, words.organisers_unreachable, words=words)
        result, url = await self._publisher.publish(programme, destination, text)
        where = platform_name(destination)
        async with transaction(self._sessions) as session:
            if result.ok:
                await q.finish_story(session=session, story_id=story_id, status=StoryStatus.POSTED, now=now,
                                     post_id=result.post_id, post_url=url)
                return StoryAnswer(True, words.say("posted", platform=where) + (f" {url}" if url else ""),
                                   story_id, url=url, words=words)
            if result.error and not (result.refused_reason or result.rate_limited_until or result.credentials_error):
                # an unclear answer: it may have gone out. Never posted again by the bot; the organisers check
                await q.finish_story(session=session, story_id=story_id, status=StoryStatus.FAILED, now=now,
                                     error=result.error[:500])
                return StoryAnswer(False, words.say("unclear", platform=where), programme=programme, words=words,
                                   organisers_notice=[
                    words.say("unclear_notice", platform=where, error=result.error[:200])])
            why = result.refused_reason or result.credentials_error or words.busy
            await q.finish_story(session=session, story_id=story_id, status=StoryStatus.WRITTEN, now=now,
                                 error=why[:500])
        return StoryAnswer(False, words.say("refused", platform=where, reason=why), words=words)

    async def decline(self, story_id: int, discord_user_id: int) -> StoryAnswer:
        async with transaction(self._sessions) as session:
            found = await self._story_of(session, story_id, discord_user_id)
            if isinstance(found, StoryAnswer):
                return found
            await q.set_story_status(session=session, story_id=story_id, status=StoryStatus.DECLINED,
                                     now=self._clock.now(), expect=(StoryStatus.OFFERED, StoryStatus.WRITTEN))
            words = story_words(found[1])
        return StoryAnswer(True, words.declined, words=words)

    # ---- reading ----------------------------------------------------------------------------------------
    async def counts(self, programme: Programme) -> dict[str, int]:
        """Stories by status (offered, posted, shared …), for the demo report and the outcomes report."""
        async with self._sessions() as session:
            rows = await q.stories_in_programme(session=session, programme_id=programme.id)
        out: dict[str, int] = {}
        for story in rows:
            out[str(story.status)] = out.get(str(story.status), 0) + 1
        return out

    # ---- helpers ----------------------------------------------------------------------------------------
    async def _story_of(self, session: AsyncSession, story_id: int,
                        discord_user_id: int) -> tuple[Story, Programme, Person] | StoryAnswer:
        """The story, its programme and its author; or why not, to tell the clicker."""
        story = await q.get_story(session=session, story_id=story_id)
        programme = self._registry.by_id(story.programme_id) if story is not None else None
        words = story_words(programme)
        if story is None or programme is None:
            return StoryAnswer(False, words.offer_closed, words=words)
        person = await people.get_person(session=session, person_id=story.person_id)
        if person is None or person.discord_user_id != discord_user_id:
            return StoryAnswer(False, words.not_yours, words=words)
        return story, programme, person

    async def _handle(self, session: AsyncSession, programme: Programme, person: Person,
                      platform: str) -> str | None:
        """The person's own handle on ``platform`` (from the hashtag post they were found by, or their X handle)."""
        for lead in await intake.leads_in_programme(session=session, programme_id=programme.id):
            if lead.person_id == person.id and lead.platform == platform and lead.author_handle:
                return lead.author_handle
        return person.x_handle if platform == "x" and person.x_handle else None

    async def _role(self, session: AsyncSession, story: Story) -> str:
        match: Match | None = await matching.get_match(session=session, match_id=story.match_id) \
            if story.match_id is not None else None
        if match is None:
            return "member"
        return "mentor" if match.mentor_person_id == story.person_id else "mentee"

    @staticmethod
    def _settled(story: Story, words: StoryWords) -> str:
        if story.status == StoryStatus.POSTED:
            return words.already_posted + (f" {story.post_url}" if story.post_url else "")
        if story.status == StoryStatus.SHARED:
            return words.already_shared
        if story.status == StoryStatus.POSTING:
            return words.posting
        if story.status == StoryStatus.DECLINED:
            return words.already_declined
        return words.settled
