"""Pauses that end: when a person's break runs out they are back in matching and check-ins, and told so
(in their own daytime) with the choice to carry on or take longer."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.nudges.quiet import is_quiet
from bot.services.dm_reach import Recipient, recipient
from bot.services.nudges import NudgeService
from bot.services.programmes import Programme
from bot.timezones import is_valid_zone
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import MatchStatus, PersonStatus
from storage.queries import audit, matching, people


@dataclass(frozen=True)
class PauseOver:
    programme: Programme
    discord_user_id: int
    display_name: str
    #: how to reach them privately (their DMs, else their own private thread)
    who: Recipient


class PauseExpiry:
    def __init__(self, sessions: SessionFactory, clock: Clock, nudges: NudgeService) -> None:
        self._sessions = sessions
        self._clock = clock
        self._nudges = nudges

    async def end_due(self, programme: Programme) -> list[PauseOver]:
        """Bring back everyone whose pause ran out (each once), except where it is night for them now (they
        come back at the next run in their daytime). Their check-ins are planned again."""
        now = self._clock.now()
        back: list[PauseOver] = []
        replan: list[int] = []
        async with transaction(self._sessions) as session:
            for person in await people.expired_pauses(session=session, programme_id=programme.id, now=now):
                pid = require_id(person)
                profile = await people.get_profile(session=session, person_id=pid, programme_id=programme.id)
                zone = (profile.answers.get("timezone") if profile else None) or programme.config.digest.zone
                if not isinstance(zone, str) or not is_valid_zone(zone):
                    zone = programme.config.digest.zone
                if person.discord_user_id is not None and is_quiet(now, zone, programme.config.quiet_hours):
                    continue
                status = PersonStatus.ACTIVE if profile is not None else PersonStatus.ONBOARDING
                if not await people.end_pause(session=session, person_id=pid, status=status, now=now):
                    continue
                await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=None,
                                            action="person.pause_over", detail=audit.as_detail(person_id=pid),
                                            now=now)
                replan += [require_id(m) for m in await matching.matches_of_person(session=session, person_id=pid)
                           if m.status == MatchStatus.ACTIVE]
                who = await recipient(session, person, now)
                if who is not None:
                    back.append(PauseOver(programme, who.discord_user_id, person.display_name, who))
        for match_id in replan:
            await self._nudges.replan_match(match_id)
        return back
