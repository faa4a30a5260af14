"""A pair's goals: invited at the introduction, set and rewritten by the mentee, progress recorded by either of
the pair (in check-ins or with ``/goals``), and read per pair and in aggregate by organisers and the outcomes
report. No discord import: the cogs send what these methods return.

Who may do what is checked here, by the clicker's Discord id against the match: only the mentee sets the goals;
the mentor and the mentee record progress; nobody else (a forwarded message, a stale button) changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.goals import GoalTotals, GoalView, PairGoals, clean_goals, progress_label, suggested_goals, totals
from bot.services.dm_reach import Recipient, recipient
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.voice import GoalWords
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import Goal, GoalProgress, Match, MatchStatus, Person
from storage.queries import audit, matching, people
from storage.queries import outcomes as q

Role = Literal["mentor", "mentee"]


@dataclass(frozen=True)
class GoalInvite:
    """What the mentee's introduction DM offers: their profile's choices as the first goals (``person_id``: the
    mentee's, whose own private thread has it when their DMs are closed)."""

    match_id: int
    suggestions: tuple[str, ...]
    person_id: int


@dataclass(frozen=True)
class GoalsSaved:
    """The answer to setting goals. ``reply`` is for the person; ``pair`` (when saved) for the pair's space;
    ``mentor``: how to reach the mentor privately, when the goals changed and the pair has no space of their own
    to show them in (a mentor's pod, shared by their mentees, or no space)."""

    ok: bool
    reply: str
    pair: PairGoals | None = None
    programme: Programme | None = None
    changed: bool = False
    mentor: Recipient | None = None


@dataclass(frozen=True)
class ProgressSaved:
    ok: bool
    reply: str
    pair: PairGoals | None = None
    programme: Programme | None = None


@dataclass(frozen=True)
class GoalOverview:
    """Every pair of a programme (or of one round) with its goals, and the totals."""

    programme: Programme
    pairs: tuple[PairGoals, ...]
    totals: GoalTotals


def goal_words(programme: Programme | None) -> GoalWords:
    """The programme's words for its goals (a match whose programme is gone: the neutral ones)."""
    return programme.config.messages().goals if programme is not None else GoalWords()


class GoalService:
    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock

    # ---- the invitation -------------------------------------------------------------------------------
    async def invite(self, programme: Programme, match_id: int) -> GoalInvite | None:
        """The goals invitation for the match's mentee (None: the match is gone, or its goals are set)."""
        async with self._sessions() as session:
            match = await matching.get_match(session=session, match_id=match_id)
            if match is None or match.programme_id != programme.id:
                return None
            if await q.goals_of_match(session=session, match_id=match_id):
                return None
            return GoalInvite(match_id, tuple(label for label, _ in await self._suggestions(session, programme, match)),
                              match.mentee_person_id)

    async def _suggestions(self, session: AsyncSession, programme: Programme, match: Match) -> list[tuple[str, str]]:
        profile = await people.get_profile(session=session, person_id=match.mentee_person_id, programme_id=programme.id)
        return suggested_goals(programme.questions, profile.answers if profile else {})

    def form_words(self, programme_id: int | None) -> GoalWords:
        """The words of the goals form, in the voice of the match's programme (named by the button). The form
        is the click's first answer, due at once: nothing is read. A button that does not name it (sent before
        buttons did) or names a programme no longer running: the bot's one programme's words; with several, the
        neutral ones."""
        programme = self._registry.by_id(programme_id) if programme_id is not None else None
        return goal_words(programme) if programme is not None else self._words_without_programme()

    def _words_without_programme(self) -> GoalWords:
        """A click on a match (or of a programme) that is gone: the bot's one programme's words; with several,
        the neutral ones."""
        running = self._registry.all()
        return goal_words(running[0] if len(running) == 1 else None)

    # ---- setting goals --------------------------------------------------------------------------------
    async def use_suggestions(self, match_id: int, discord_user_id: int) -> GoalsSaved:
        """The mentee keeps their profile's choices as the match's goals."""
        return await self._set(match_id, discord_user_id, None)

    async def set_goals(self, match_id: int, discord_user_id: int, texts: list[str | None]) -> GoalsSaved:
        """The mentee's own words (one to three goals; what was there before is replaced)."""
        return await self._set(match_id, discord_user_id, texts)

    async def _set(self, match_id: int, discord_user_id: int, texts: list[str | None] | None) -> GoalsSaved:
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            found = await self._match_of(session, match_id, discord_user_id)
            if isinstance(found, str):
                return GoalsSaved(False, found)
            match, programme, role = found
            words = goal_words(programme)
            if role != "mentee":
                return GoalsSaved(False, words.only_mentee)
            chosen: list[tuple[str, str | None]]
            if texts is None:
                chosen = list(await self._suggestions(session, programme, match))
                if not chosen:
                    return GoalsSaved(False, words.say("no_suggestions", button=words.write_button))
            else:
                keys = {label.casefold(): key for label, key in await self._suggestions(session, programme, match)}
                chosen = [(text, keys.get(text.casefold())) for text in clean_goals(texts)]
                if not chosen:
                    return GoalsSaved(False, words.none_written)
            before = [(g.text, g.progress) for g in await q.goals_of_match(session=session, match_id=match_id)]
            goals = await q.replace_goals(session=session, match=match, texts=chosen, now=now)
            changed = before != [(g.text, g.progress) for g in goals]
            if changed:
                await audit.add_audit_event(session=session, programme_id=programme.id,
                                            actor_discord_id=discord_user_id, action="goals.set",
                                            detail={"match": match_id, "goals": len(goals)}, now=now)
            pair = await self._pair(session, match, goals)
            mentor = None
            if changed and (programme.config.pods or match.space_id is None):
                person = await people.get_person(session=session, person_id=match.mentor_person_id)
                mentor = await recipient(session, person, now) if person is not None else None
        listed = "\n".join(f"{g.position}. {g.text}" for g in pair.goals)
        return GoalsSaved(True, words.say("saved", goals=listed), pair, programme, changed, mentor)

    # ---- progress -------------------------------------------------------------------------------------
    async def record_progress(self, goal_id: int, discord_user_id: int, progress: str) -> ProgressSaved:
        """One goal's progress, from the mentor or the mentee of its (active) match."""
        try:
            state = GoalProgress(progress)
        except ValueError:
            return ProgressSaved(False, self._words_without_programme().unknown_progress)
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            goal = await q.get_goal(session=session, goal_id=goal_id)
            if goal is None:
                return ProgressSaved(False, self._words_without_programme().goal_gone)
            found = await self._match_of(session, goal.match_id, discord_user_id)
            if isinstance(found, str):
                return ProgressSaved(False, found)
            match, programme, role = found
            words = goal_words(programme)
            by = match.mentee_person_id if role == "mentee" else match.mentor_person_id
            if goal.progress != state:
                await q.set_goal_progress(session=session, goal_id=goal_id, progress=state, by_person_id=by, now=now)
                await audit.add_audit_event(session=session, programme_id=programme.id,
                                            actor_discord_id=discord_user_id, action="goals.progress",
                                            detail={"match": goal.match_id, "goal": goal.position,
                                                    "progress": str(state)}, now=now)
            pair = await self._pair(session, match, await q.goals_of_match(session=session, match_id=goal.match_id))
        noted = words.say("progress_noted", number=goal.position,
                          progress=progress_label(state, labels=words.progress_labels()))
        if state == GoalProgress.CHANGED and role == "mentee":
            noted += " " + words.say("changed_hint", button=words.change_goals_button)
        return ProgressSaved(True, noted, pair, programme)

    # ---- reading --------------------------------------------------------------------------------------
    async def pair_goals(self, match_id: int, discord_user_id: int) -> PairGoals | str:
        """The pair's goals, for one of the pair (a sentence saying why not, otherwise)."""
        async with self._sessions() as session:
            found = await self._match_of(session, match_id, discord_user_id, active_only=False)
            if isinstance(found, str):
                return found
            match, _programme, _role = found
            return await self._pair(session, match, await q.goals_of_match(session=session, match_id=match_id))

    async def mine(self, programme: Programme, discord_user_id: int) -> list[tuple[Role, PairGoals]]:
        """The person's active matches in the programme (as mentor or mentee) with their goals."""
        async with self._sessions() as session:
            person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                        discord_user_id=discord_user_id)
            if person is None:
                return []
            pid = require_id(person)
            matches = [m for m in await matching.matches_of_person(session=session, person_id=pid)
                       if m.status == MatchStatus.ACTIVE and m.programme_id == programme.id]
            goals = await q.goals_of_matches(session=session, match_ids=[require_id(m) for m in matches])
            return [("mentee" if m.mentee_person_id == pid else "mentor",
                     await self._pair(session, m, goals.get(require_id(m), []))) for m in matches]

    async def for_matches(self, match_ids: list[int]) -> dict[int, tuple[GoalView, ...]]:
        """Goals by match, for check-ins (a batched check-in asks about each pair's goals)."""
        async with self._sessions() as session:
            found = await q.goals_of_matches(session=session, match_ids=match_ids)
        return {mid: tuple(_view(g) for g in goals) for mid, goals in found.items()}

    async def overview(self, programme: Programme, *, cohort_round_id: int | None = None,
                       include_ended: bool = True) -> GoalOverview:
        """Progress per pair and in aggregate: every active (and, unless told otherwise, ended) match of the
        programme, or of one round."""
        statuses = (MatchStatus.ACTIVE, MatchStatus.ENDED) if include_ended else (MatchStatus.ACTIVE,)
        async with self._sessions() as session:
            matches = await matching.matches_in_programme(session=session, programme_id=programme.id, statuses=statuses)
            if cohort_round_id is not None:
                matches = [m for m in matches if m.cohort_round_id == cohort_round_id]
            goals = await q.goals_of_matches(session=session, match_ids=[require_id(m) for m in matches])
            names = await _people(session, {pid for m in matches for pid in (m.mentor_person_id, m.mentee_person_id)})
            left = goal_words(programme).someone_who_left
            pairs = tuple(_pair_of(m, goals.get(require_id(m), []), names, left) for m in matches)
        return GoalOverview(programme, pairs, totals(pairs))

    # ---- helpers --------------------------------------------------------------------------------------
    async def _match_of(self, session: AsyncSession, match_id: int, discord_user_id: int, *,
                        active_only: bool = True) -> tuple[Match, Programme, Role] | str:
        match = await matching.get_match(session=session, match_id=match_id)
        programme = self._registry.by_id(match.programme_id) if match is not None else None
        if match is None or programme is None:
            return self._words_without_programme().match_gone
        words = goal_words(programme)
        person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                    discord_user_id=discord_user_id)
        pid = person.id if person is not None else None
        if pid is None or pid not in (match.mentor_person_id, match.mentee_person_id):
            return words.not_yours
        if active_only and match.status != MatchStatus.ACTIVE:
            return words.ended
        return match, programme, "mentee" if pid == match.mentee_person_id else "mentor"

    async def _pair(self, session: AsyncSession, match: Match, goals: list[Goal]) -> PairGoals:
        names = await _people(session, {match.mentor_person_id, match.mentee_person_id})
        left = goal_words(self._registry.by_id(match.programme_id)).someone_who_left
        return _pair_of(match, goals, names, left)


async def _people(session: AsyncSession, person_ids: set[int]) -> dict[int, Person]:
    found = await people.people_with_profiles(session=session, person_ids=tuple(person_ids))
    return {pid: person for pid, (person, _profile) in found.items()}


def _view(goal: Goal) -> GoalView:
    return GoalView(require_id(goal), goal.position, goal.text, str(goal.progress), goal.progress_at)


def _pair_of(match: Match, goals: list[Goal], names: dict[int, Person], left: str) -> PairGoals:
    """The pair and its goals (``left``: how the programme names someone of the pair who has left)."""
    mentor, mentee = names.get(match.mentor_person_id), names.get(match.mentee_person_id)
    return PairGoals(
        match_id=require_id(match), programme_id=match.programme_id,
        mentor_name=mentor.display_name if mentor else left,
        mentee_name=mentee.display_name if mentee else left,
        mentor_discord_id=mentor.discord_user_id if mentor else None,
        mentee_discord_id=mentee.discord_user_id if mentee else None,
        active=match.status == MatchStatus.ACTIVE, space_id=match.space_id,
        goals=tuple(_view(g) for g in goals), cohort_round_id=match.cohort_round_id,
    )
