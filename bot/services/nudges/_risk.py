"""Pairs at risk and the organisers' weekly digest (:class:`PairRisk`)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.nudges import answers as rules
from bot.services.nudges._types import (
    PairAtRisk,
    _records,
)
from bot.services.programmes import Programme
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import MATCH_KINDS, MatchStatus, Nudge, NudgeStatus
from storage.queries import audit, matching, people
from storage.queries import nudges as q


class PairRisk:
    """Active pairs nobody answers any more: listed, reported to the organisers once, and summed up with the
    week's check-ins in the organisers' weekly digest."""

    def __init__(self, sessions: SessionFactory, clock: Clock, *, grace: timedelta = timedelta(days=3)) -> None:
        self._sessions = sessions
        self._clock = clock
        self.at_risk_grace = grace

    async def pairs_at_risk(self, programme: Programme) -> list[PairAtRisk]:
        """Active pairs where nobody answered either of the last two check-ins (sent ≥ 3 days ago)."""
        async with self._sessions() as session:
            return await self._pairs_at_risk(session, programme)

    async def _pairs_at_risk(self, session: AsyncSession, programme: Programme) -> list[PairAtRisk]:
        matches = await matching.matches_in_programme(session=session, programme_id=programme.id, statuses=(MatchStatus.ACTIVE,))
        rows = await q.nudges_of_matches(session=session, match_ids=[require_id(m) for m in matches])
        ids = {pid for m in matches for pid in (m.mentor_person_id, m.mentee_person_id)}
        found = await people.people_with_profiles(session=session, person_ids=ids)
        by_match: dict[int, list[Nudge]] = {}
        for n in rows:
            if n.match_id is not None:
                by_match.setdefault(n.match_id, []).append(n)
        now, out = self._clock.now(), []
        for m in matches:
            history = _records(by_match.get(require_id(m), []), {})
            if rules.at_risk(history, now=now, grace=self.at_risk_grace):
                judged = [r for r in history if r.expects_answer and r.sent_at <= now - self.at_risk_grace]
                unanswered = len({(r.step_key, r.occurrence) for r in judged[::-1] if r.answer is None})
                mentor, mentee = found.get(m.mentor_person_id), found.get(m.mentee_person_id)
                out.append(PairAtRisk(require_id(m), mentor[0].discord_user_id if mentor else None,
                                      mentee[0].discord_user_id if mentee else None, unanswered,
                                      max(r.sent_at for r in judged)))
        return out

    async def sweep_at_risk(self, programme: Programme) -> list[str]:
        """Newly at-risk pairs, each reported once (until someone answers again): texts for organisers."""
        async with transaction(self._sessions) as session:
            pairs = await self._pairs_at_risk(session, programme)
            events = await audit.audit_events_since(session=session, programme_id=programme.id,
                                                          actions=("nudge.at_risk",))
            flagged: dict[int, datetime] = {}
            for e in events:
                flagged[int(e.detail.get("match_id", 0))] = e.created_at
            texts = []
            for pair in pairs:
                since = flagged.get(pair.match_id)
                answered = [n.answered_at for n in await q.nudges_of_match(session=session, match_id=pair.match_id)
                            if n.answered_at is not None]
                if since is not None and not any(a > since for a in answered):
                    continue
                await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=None,
                                            action="nudge.at_risk", detail={"match_id": pair.match_id},
                                            now=self._clock.now())
                texts.append(f"⚠️ Pair at risk: no answer from {pair.label} to their last two check-ins.")
            return texts

    async def digest_text(self, session: AsyncSession, programme: Programme) -> str:
        now = self._clock.now()
        since = now - timedelta(days=7)
        active = await matching.matches_in_programme(session=session, programme_id=programme.id, statuses=(MatchStatus.ACTIVE,))
        sent = [n for n in await q.nudges_in_programme(
            session=session, programme_id=programme.id, kinds=MATCH_KINDS, statuses=(NudgeStatus.SENT,),
            since=since - timedelta(days=1)) if n.sent_at and n.sent_at >= since]
        answers = Counter(str(n.answer) for n in sent if n.answer)
        ended = await matching.ended_match_count_since(session=session, programme_id=programme.id, since=since)
        at_risk = await self._pairs_at_risk(session, programme)
        labels = programme.config.messages().checkin_buttons  # the buttons' words, as the pairs saw them
        breakdown = ", ".join(f"{labels.label(a).lower()}: {c}" for a, c in sorted(answers.items()))
        lines = [
            f"📋 **Weekly digest — {programme.config.name}** ({since:%d %b} – {now:%d %b})",
            f"• Active pairs: {len(active)}",
            f"• Nudges sent this week: {len(sent)}; answered: {sum(answers.values())}"
            + (f" ({breakdown})" if breakdown else ""),
            f"• Matches ended this week: {ended}",
            f"• Pairs at risk (no answer to the last two check-ins): {len(at_risk)}",
        ]
        lines += [f"  – {p.label}" for p in at_risk[:20]]
        return "\n".join(lines)[:1900]
