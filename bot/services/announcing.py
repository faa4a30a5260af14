"""Announcing confirmed pairs: a private space each (or the mentor's pod, shared by all their mentees, when the
programme has pods), an introduction, a DM to each — exactly once.

Each step is recorded before and after it happens (pending → creating → created → introduced → done), and
every message carries a reference marker, so an announcement interrupted by a crash is finished on restart by
adopting what already exists instead of creating it again. The DMs are the bot's own initiative: they wait for
both people's daytime (the programme's quiet hours). Discord is behind a port (:class:`PairSpaces`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

from bot.clock import Clock
from bot.nudges.quiet import is_quiet
from bot.services.goals import GoalInvite, GoalService
from bot.services.matching import Announcement, MatchingService
from bot.services.nudges import NudgeService
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.models import AnnounceStep, SpaceKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Space:
    """A pair's private space on the platform."""

    id: int
    kind: SpaceKind


class PairSpaces(Protocol):
    """The Discord side effects of an announcement (implemented by the matching cog with the Discord kit).
    Each ``find_*`` looks for what an interrupted earlier attempt may have left (by its reference marker)."""

    def can_reach(self, programme: Programme) -> bool: ...

    async def find_space(self, programme: Programme, item: Announcement) -> Space | None: ...

    async def create_space(self, programme: Programme, item: Announcement) -> Space: ...

    async def space(self, programme: Programme, space_id: int) -> Space | None: ...

    async def find_intro(self, space: Space, match_id: int) -> int | None: ...

    async def introduce(self, programme: Programme, space: Space, item: Announcement) -> int: ...

    async def send_link(self, programme: Programme, person_id: int, user_id: int, partner_name: str, space: Space,
                        match_id: int, *, look_first: bool, dms_closed: bool, dms_marked: bool,
                        goals: GoalInvite | None = None) -> None:
        """DM the link to the space; with ``goals`` (the mentee's) the same message invites them to set goals.
        ``dms_closed`` (the reach rule's answer): no DM is tried — the introduction in the space already mentions
        them, and the goals invitation goes to their private thread. ``dms_marked``: their DMs are marked closed
        (a DM that gets through clears it)."""

    async def find_pod(self, programme: Programme, item: Announcement) -> Space | None:
        """The mentor's pod made by an earlier attempt (by its reference marker), if still open."""

    async def reopen_pod(self, programme: Programme, space_id: int, item: Announcement) -> Space | None:
        """The mentor's pod archived when their last match ended, opened again (None: ``space_id`` is not this
        mentor's pod, or it is gone)."""

    async def create_pod(self, programme: Programme, item: Announcement) -> Space:
        """A new private pod for the mentor (and the organisers)."""

    async def join_pod(self, programme: Programme, space: Space, item: Announcement) -> None:
        """Let the match's mentee (and mentor) into the pod; doing it again changes nothing."""


class Announcements:
    """Finishes every unfinished announcement, one run at a time in this process (a pair found half-created
    is adopted, which is only safe when no other run is creating it right now)."""

    def __init__(self, registry: ProgrammeRegistry, matching: MatchingService, nudges: NudgeService, clock: Clock,
                 spaces: PairSpaces, goals: GoalService | None = None) -> None:
        self.registry, self.matching, self.nudges, self.clock = registry, matching, nudges, clock
        self.spaces = spaces
        self.goals = goals
        self._lock: asyncio.Lock | None = None

    async def run(self) -> int:
        """How many announcements were finished in this run."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            done = 0
            for programme in self.registry.all():
                if not self.spaces.can_reach(programme):
                    continue
                for item in await self.matching.pending_announcements(programme):
                    try:
                        if await self.announce(programme, item):
                            done += 1
                    except Exception as exc:  # the platform refused or is away: the next run retries
                        log.warning("announcing match %s failed (will retry): %s", item.match_id, exc)
            return done

    async def announce(self, programme: Programme, item: Announcement) -> bool:
        svc, spaces = self.matching, self.spaces
        mid = item.match_id
        state = item.state
        fresh = state == AnnounceStep.PENDING  # nothing of it can exist yet: no need to look for earlier attempts
        space: Space | None = None
        if state == AnnounceStep.PENDING:
            if not await svc.step_announcement(mid, AnnounceStep.PENDING, AnnounceStep.CREATING):
                return False
            state = AnnounceStep.CREATING
        if state == AnnounceStep.CREATING:
            if programme.config.pods:
                space = await self._pod(programme, item)
            else:
                earlier = None if fresh else await spaces.find_space(programme, item)
                space = earlier or await spaces.create_space(programme, item)
            if not await svc.step_announcement(mid, AnnounceStep.CREATING, AnnounceStep.CREATED, space_kind=space.kind,
                                               space_id=space.id):
                return False
            state = AnnounceStep.CREATED
        if space is None and item.space_id is not None:
            space = await spaces.space(programme, item.space_id)
        if space is None:
            log.warning("the space of match %s is gone", mid)
            return False
        if state == AnnounceStep.CREATED:
            intro = None if fresh else await spaces.find_intro(space, mid)
            if intro is None:
                intro = await spaces.introduce(programme, space, item)
            if not await svc.step_announcement(mid, AnnounceStep.CREATED, AnnounceStep.INTRODUCED,
                                               intro_message_id=intro):
                return False
            state = AnnounceStep.INTRODUCED
        if state == AnnounceStep.INTRODUCED:
            quiet = programme.config.quiet_hours
            now = self.clock.now()
            if is_quiet(now, item.mentor_zone, quiet) or is_quiet(now, item.mentee_zone, quiet):
                return False  # the DMs are the bot's own initiative: they wait for both people's daytime
            for person, partner in ((item.mentor, item.mentee), (item.mentee, item.mentor)):
                if person.discord_user_id:
                    invite = await self.goals.invite(programme, mid) \
                        if self.goals is not None and person is item.mentee else None
                    await spaces.send_link(programme, person.person_id, person.discord_user_id, partner.display_name,
                                           space, mid, look_first=not fresh,
                                           dms_closed=person.person_id in item.dms_closed,
                                           dms_marked=person.person_id in item.dms_marked, goals=invite)
            await self.nudges.plan_match(mid)  # idempotent: existing rows are kept
            if not await svc.step_announcement(mid, AnnounceStep.INTRODUCED, AnnounceStep.DONE):
                return False
        return True

    async def _pod(self, programme: Programme, item: Announcement) -> Space:
        """The mentor's pod, joined by this match's mentee: the space their other active matches share, else
        one an interrupted attempt made (always looked for first: another match of the same mentor may have
        made it and crashed before recording it), else their pod archived when their last match ended, opened
        again (a pod is the mentor's one space: their notes stay in it, and a server's channels are not spent
        on a new pod each time), else a new one."""
        mentor = item.mentor.person_id
        known = await self.matching.pod_of_mentor(programme, mentor)
        space = await self.spaces.space(programme, known) if known is not None else None
        if space is None:
            space = await self.spaces.find_pod(programme, item)
        if space is None:
            earlier = await self.matching.last_space_of_mentor(programme, mentor)
            space = await self.spaces.reopen_pod(programme, earlier, item) if earlier is not None else None
        if space is None:
            space = await self.spaces.create_pod(programme, item)
        await self.spaces.join_pod(programme, space, item)
        return space
