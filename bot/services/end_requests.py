"""An "End this match" request nobody answers does not stay open forever: after the programme's
``end_request_days`` the match ends through the one end-of-match path, and both people are told."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.services.match_end import MatchEnding
from bot.services.programmes import Programme
from storage.db import SessionFactory
from storage.queries import audit, nudges


class EndRequests:
    def __init__(self, sessions: SessionFactory, clock: Clock, ending: MatchEnding) -> None:
        self._sessions = sessions
        self._clock = clock
        self._ending = ending

    async def lapse_due(self, programme: Programme) -> list[int]:
        """End the matches whose end request has waited longer than the programme allows, unless the partner
        said they would like to keep going. The ids of the matches ended now."""
        days = programme.config.messages().end_request_days
        asked_before = self._clock.now() - timedelta(days=days)
        async with self._sessions() as session:
            requests = await nudges.lapsed_end_requests(session=session, programme_id=programme.id,
                                                        asked_before=asked_before)
            kept = {e.detail.get("nudge_id") for e in await audit.audit_events_since(
                session=session, programme_id=programme.id, actions=("nudge.keep",))}
        ended: list[int] = []
        for request in requests:
            if request.id in kept or request.match_id is None or request.match_id in ended:
                continue
            done = await self._ending.end_match(programme, request.match_id, "lapsed", None,
                                                subject_person_id=request.person_id)
            if done is not None:
                ended.append(request.match_id)
        return ended
