"""Cohort rounds: an organiser opens a round (dates, prerequisites such as "training"), closes it, matches it.

Prerequisites are confirmed by the person (``/profile ready``) or marked by an organiser
(``/programme round ready``). When a round is matched, people who have not completed them are left out with
the reason, and stay for the next round; previous partners are never re-paired (the engine's history rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.clock import Clock
from bot.onboarding.safe_text import safe_text
from bot.services.dm_reach import dms_closed_now
from bot.services.programmes import Programme
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import CohortRound, PersonStatus
from storage.queries import audit, people
from storage.queries import rounds as q
from storage.queries.onboarding import known_dm_channel


class RoundError(Exception):
    """Something an organiser (or a participant) should be told in plain words."""


class NotJoined(RoundError):
    """The person marked ready has not joined the programme."""

    def __init__(self) -> None:
        super().__init__("That person has not joined this programme.")


class NotAsked(RoundError):
    """The round does not ask for what was marked (``asks``: what it does ask for)."""

    def __init__(self, round_name: str, asks: tuple[str, ...]) -> None:
        super().__init__(f"{round_name} asks for: {', '.join(asks) or 'nothing'}.")
        self.round_name, self.asks = round_name, asks


@dataclass(frozen=True)
class ReadyAnswer:
    """The answer to a person's own ``/profile ready``, in their programme's words (``ok``: recorded)."""

    ok: bool
    reply: str


def prerequisite_label(key: str) -> str:
    return key.replace("-", " ").replace("_", " ")


@dataclass(frozen=True)
class RoundState:
    round: CohortRound | None
    done: dict[int, set[str]]

    def missing(self, person_id: int) -> list[str]:
        """The round's prerequisites this person has not completed (empty: ready)."""
        if self.round is None:
            return []
        have = self.done.get(person_id, set())
        return [k for k in self.round.prerequisites if k not in have]

    def joined_late(self, ready_at: datetime | None) -> bool:
        """Whether someone who completed their profile at ``ready_at`` did so after the round's closing date
        (they are not in this round; they stay for the next)."""
        closes_on = self.round.closes_on if self.round is not None else None
        return closes_on is not None and ready_at is not None and ready_at.astimezone(UTC).date() > closes_on

    def late_reason(self) -> str:
        assert self.round is not None and self.round.closes_on is not None
        return (f"not in {self.round.name}: completed their profile after it closed on "
                f"{self.round.closes_on.isoformat()} — kept for the next round")

    def not_ready_reason(self, person_id: int) -> str | None:
        missing = self.missing(person_id)
        if not missing or self.round is None:
            return None
        return (f"not ready for {self.round.name}: {', '.join(prerequisite_label(k) for k in missing)} not "
                "completed yet — kept for the next round")


@dataclass(frozen=True)
class RoundNotice:
    """A message for someone left out of a matched round, saying why (in the programme's voice)."""

    round_id: int
    person_id: int
    discord_user_id: int
    text: str
    dm_channel_id: int | None = None  # their DM channel, when known
    #: the reach rule's answer (:func:`bot.services.dm_reach.dms_closed_now`): True skips the DM
    dms_closed: bool = False
    #: the person's row carries the closed-DMs mark (a DM that gets through clears it)
    dms_marked: bool = False


@dataclass(frozen=True)
class RoundSummary:
    """One round as ``/programme stats`` shows it."""

    name: str
    status: str
    people: int  # everyone the round considered (paired, not ready, not eligible)
    matched: int  # people in a pair of the round
    pairs: int
    not_ready: int
    not_eligible: int


class RoundService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def open(self, programme: Programme, name: str, prerequisites: list[str], *, opens_on: date | None,
                   closes_on: date | None, actor: int | None) -> CohortRound:
        keys = [k.strip().lower().replace(" ", "-") for k in prerequisites if k.strip()]
        now = self._clock.now()
        if opens_on is not None and closes_on is not None and closes_on < opens_on:
            raise RoundError(f"The round would close ({closes_on.isoformat()}) before it starts "
                             f"({opens_on.isoformat()}).")
        async with transaction(self._sessions) as session:
            current = await q.current_round(session=session, programme_id=programme.id)
            if current is not None:
                raise RoundError(f"{current.name} is still {current.status}; match it before opening another round.")
            row = await q.add_round(session=session, programme_id=programme.id, name=name.strip()[:100],
                                    prerequisites=keys, opens_on=opens_on, closes_on=closes_on, now=now)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action="round.open", detail={"round": row.id, "prerequisites": keys}, now=now)
        return row

    async def close(self, programme: Programme, actor: int | None) -> CohortRound:
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            current = await q.current_round(session=session, programme_id=programme.id)
            if current is None or current.status != "open":
                raise RoundError("There is no open round to close.")
            await q.set_round_status(session=session, round_id=require_id(current), status="closed", now=now)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action="round.close", detail={"round": current.id}, now=now)
            current.status = "closed"
        return current

    async def summaries(self, programme: Programme) -> list[RoundSummary]:
        """Every round of the programme: who was in it, who was paired, who was left out and why. A round not
        matched yet counts the people it would consider now (active, consenting) and who is not ready."""
        async with self._sessions() as session:
            rounds = await q.rounds_of_programme(session=session, programme_id=programme.id)
            if not rounds:
                return []
            pairs_by_round = await q.match_people_by_round(session=session, programme_id=programme.id)
            done = await q.done_by_person(session=session, programme_id=programme.id)
            out: list[RoundSummary] = []
            for r in rounds:
                rid = require_id(r)
                pairs = pairs_by_round.get(rid, [])
                matched = len({p for pair in pairs for p in pair})
                if r.status == "matched":
                    run = await q.latest_confirmed_run(session=session, programme_id=programme.id, cohort_round_id=rid)
                    left_out = [str(u.get("reason", "")) for u in (run.summary.get("unmatched", []) if run else [])]
                    not_ready = sum(1 for why in left_out if why.startswith("not ready"))
                    not_eligible = sum(1 for why in left_out if why.startswith("not eligible"))
                    people_n = matched + len(left_out)
                else:
                    rows = await people.profiles_in_programme(session=session, programme_id=programme.id)
                    considered = [(p, prof) for p, prof in rows
                                  if p.status == PersonStatus.ACTIVE and prof.consent_at is not None]
                    not_eligible = sum(1 for _, prof in considered if programme.spec.eligibility_problem(prof.answers))
                    not_ready = sum(1 for p, prof in considered
                                    if not programme.spec.eligibility_problem(prof.answers)
                                    and any(k not in done.get(require_id(p), set()) for k in r.prerequisites))
                    people_n = len(considered)
                out.append(RoundSummary(r.name, r.status, people_n, matched, len(pairs), not_ready, not_eligible))
        return out

    async def state(self, programme: Programme) -> RoundState:
        async with self._sessions() as session:
            current = await q.current_round(session=session, programme_id=programme.id)
            done = await q.done_by_person(session=session, programme_id=programme.id) if current else {}
        return RoundState(current, done)

    async def mark_done(self, programme: Programme, discord_user_id: int, key: str, *, by: int | None) -> bool:
        """Record that a person completed ``key`` (``by``: the organiser who marked it; None: the person)."""
        key = key.strip().lower().replace(" ", "-")
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                        discord_user_id=discord_user_id)
            if person is None:
                raise NotJoined()
            current = await q.current_round(session=session, programme_id=programme.id)
            if current is not None and key not in current.prerequisites:
                raise NotAsked(current.name, tuple(current.prerequisites))
            added = await q.mark_done(session=session, programme_id=programme.id, person_id=require_id(person),
                                      key=key, marked_by=by, now=now)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=by,
                                        action="round.prerequisite", detail={"person": person.id, "key": key},
                                        now=now)
        return added

    async def confirm_ready(self, programme: Programme, discord_user_id: int, key: str) -> ReadyAnswer:
        """A person confirms they completed ``key`` themselves (``/profile ready``): recorded, or why not — in
        the programme's words."""
        words = programme.config.messages().profile
        try:
            await self.mark_done(programme, discord_user_id, key, by=None)
        except NotJoined:
            return ReadyAnswer(False, words.say("not_joined", programme=programme.config.name))
        except NotAsked as exc:
            if not exc.asks:
                return ReadyAnswer(False, words.say("ready_nothing_asked", round=exc.round_name))
            return ReadyAnswer(False, words.say("ready_not_asked", round=exc.round_name, asks=", ".join(exc.asks)))
        return ReadyAnswer(True, words.say("ready", prerequisite=safe_text(key.strip(), 100)))

    async def untold(self, programme: Programme) -> list[RoundNotice]:
        """Who was left out of the programme's last matched round and not told why yet, with the message in the
        programme's voice (each person once per round: :meth:`told` records it)."""
        async with self._sessions() as session:
            rounds = [r for r in await q.rounds_of_programme(session=session, programme_id=programme.id)
                      if r.status == "matched"]
            if not rounds:
                return []
            cohort = rounds[-1]
            run = await q.latest_confirmed_run(session=session, programme_id=programme.id,
                                               cohort_round_id=require_id(cohort))
            if run is None:
                return []
            told = await q.told_people(session=session, programme_id=programme.id, cohort_round_id=require_id(cohort))
            voice = programme.config.messages()
            now = self._clock.now()
            out: list[RoundNotice] = []
            for entry in run.summary.get("waiting", []):
                pid = int(entry["person"])
                person = await people.get_person(session=session, person_id=pid)
                if (pid in told or person is None or person.programme_id != programme.id
                        or person.discord_user_id is None or person.status == PersonStatus.LEFT):
                    continue
                if entry.get("late"):
                    text = voice.say("round_too_late", name=person.display_name, programme=programme.config.name,
                                     round=cohort.name, closed=f"{date.fromisoformat(entry['late']):%A %d %B %Y}")
                elif entry.get("missing"):
                    text = voice.say("round_not_ready", name=person.display_name, programme=programme.config.name,
                                     round=cohort.name,
                                     missing=" and ".join(prerequisite_label(k) for k in entry["missing"]))
                else:
                    text = voice.say("round_not_eligible", name=person.display_name, programme=programme.config.name,
                                     round=cohort.name, reason=str(entry.get("ineligible", "")))
                out.append(RoundNotice(require_id(cohort), pid, person.discord_user_id, text,
                                       await known_dm_channel(session=session, person_id=pid),
                                       dms_closed_now(person, now), person.dms_closed))
        return out

    async def told(self, programme: Programme, notice: RoundNotice) -> None:
        async with transaction(self._sessions) as session:
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=None,
                                        action="round.told",
                                        detail={"round": notice.round_id, "person": notice.person_id},
                                        now=self._clock.now())

    async def matched(self, programme: Programme, round_id: int, match_ids: list[int]) -> None:
        """A round's preview was confirmed: its matches belong to it and it is done."""
        async with transaction(self._sessions) as session:
            await q.set_match_round(session=session, match_ids=match_ids, round_id=round_id)
            await q.set_round_status(session=session, round_id=round_id, status="matched")
