"""Goals and stories: reads, guarded updates (a story is claimed for one post; never posted twice) and erasure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Goal, GoalProgress, Match, MatchStatus, Story, StoryStatus

# ---- goals -------------------------------------------------------------------------------------------------


async def goals_of_match(*, session: AsyncSession, match_id: int) -> list[Goal]:
    stmt = select(Goal).where(Goal.match_id == match_id).order_by(col(Goal.position))
    return list(await session.exec(stmt))


async def goals_of_matches(*, session: AsyncSession, match_ids: Sequence[int]) -> dict[int, list[Goal]]:
    """Goals by match (in position order); matches without goals are left out."""
    if not match_ids:
        return {}
    stmt = select(Goal).where(col(Goal.match_id).in_(list(match_ids))).order_by(col(Goal.match_id), col(Goal.position))
    out: dict[int, list[Goal]] = {}
    for goal in await session.exec(stmt):
        out.setdefault(goal.match_id, []).append(goal)
    return out


async def goals_in_programme(*, session: AsyncSession, programme_id: int) -> list[Goal]:
    stmt = select(Goal).where(Goal.programme_id == programme_id).order_by(col(Goal.match_id), col(Goal.position))
    return list(await session.exec(stmt))


async def get_goal(*, session: AsyncSession, goal_id: int) -> Goal | None:
    return await session.get(Goal, goal_id)


async def replace_goals(*, session: AsyncSession, match: Match, texts: Sequence[tuple[str, str | None]],
                        now: datetime) -> list[Goal]:
    """Set the match's goals to ``texts`` ((text, profile key) in order). A goal whose text is unchanged keeps
    its progress; a rewritten one starts again (the old one is recorded as ``changed`` by being replaced)."""
    assert match.id is not None
    old = {g.position: g for g in await goals_of_match(session=session, match_id=match.id)}
    out: list[Goal] = []
    for position, (text, key) in enumerate(texts, start=1):
        goal = old.pop(position, None)
        if goal is None:
            goal = Goal(programme_id=match.programme_id, match_id=match.id, person_id=match.mentee_person_id,
                        position=position, text=text, source_key=key, created_at=now, updated_at=now)
        elif goal.text != text:
            goal.text, goal.source_key, goal.updated_at = text, key, now
            goal.progress, goal.progress_at, goal.progress_by = GoalProgress.NOT_STARTED, None, None
        session.add(goal)
        out.append(goal)
    for goal in old.values():
        await session.delete(goal)
    await session.flush()
    return out


async def set_goal_progress(*, session: AsyncSession, goal_id: int, progress: GoalProgress, by_person_id: int,
                            now: datetime) -> bool:
    result = await session.exec(
        update(Goal).where(col(Goal.id) == goal_id)
        .values(progress=progress, progress_at=now, progress_by=by_person_id, updated_at=now)
    )
    return bool(result.rowcount)


# ---- stories -----------------------------------------------------------------------------------------------


async def get_story(*, session: AsyncSession, story_id: int) -> Story | None:
    return await session.get(Story, story_id)


async def story_for(*, session: AsyncSession, programme_id: int, person_id: int, match_ref: int) -> Story | None:
    stmt = select(Story).where(Story.programme_id == programme_id, Story.person_id == person_id,
                               Story.match_ref == match_ref)
    return (await session.exec(stmt)).first()


async def stories_of_person(*, session: AsyncSession, person_id: int) -> list[Story]:
    return list(await session.exec(select(Story).where(Story.person_id == person_id).order_by(col(Story.id))))


async def stories_in_programme(*, session: AsyncSession, programme_id: int) -> list[Story]:
    return list(await session.exec(select(Story).where(Story.programme_id == programme_id).order_by(col(Story.id))))


async def add_story_offer(*, session: AsyncSession, programme_id: int, person_id: int, match_id: int,
                          now: datetime) -> Story | None:
    """The one offer for this person and match; None when it was made before (never offered twice)."""
    if await story_for(session=session, programme_id=programme_id, person_id=person_id, match_ref=match_id):
        return None
    story = Story(programme_id=programme_id, person_id=person_id, match_id=match_id, match_ref=match_id,
                  offered_at=now, updated_at=now)
    session.add(story)
    await session.flush()
    return story


async def write_story(*, session: AsyncSession, story_id: int, text: str, now: datetime) -> int | None:
    """Save (or rewrite) the draft: its new version, or None when it can no longer change (posted, posting…)."""
    story = await session.get(Story, story_id)
    if story is None or story.status not in (StoryStatus.OFFERED, StoryStatus.WRITTEN, StoryStatus.DECLINED):
        return None
    result = await session.exec(
        update(Story).where(col(Story.id) == story_id, col(Story.version) == story.version,
                            col(Story.status).in_((StoryStatus.OFFERED, StoryStatus.WRITTEN, StoryStatus.DECLINED)))
        .values(text=text, version=story.version + 1, status=StoryStatus.WRITTEN, updated_at=now)
    )
    return story.version + 1 if result.rowcount else None


async def claim_story(*, session: AsyncSession, story_id: int, version: int, destination: str, with_handle: bool,
                      posted_text: str, now: datetime) -> bool:
    """written (at exactly ``version``, the text the person saw) → posting: of two confirmations racing, or a
    confirmation pressed twice, exactly one wins. Committed before anything is posted."""
    result = await session.exec(
        update(Story).where(col(Story.id) == story_id, col(Story.status) == StoryStatus.WRITTEN,
                            col(Story.version) == version)
        .values(status=StoryStatus.POSTING, destination=destination, with_handle=with_handle,
                posted_text=posted_text, updated_at=now)
    )
    return bool(result.rowcount)


async def finish_story(*, session: AsyncSession, story_id: int, status: StoryStatus, now: datetime,
                       post_id: str | None = None, post_url: str | None = None, error: str | None = None) -> bool:
    """posting → posted | shared | failed, or back to written (the platform refused: nothing was posted)."""
    values: dict[str, object] = {"status": status, "updated_at": now, "last_error": error}
    if status in (StoryStatus.POSTED, StoryStatus.SHARED):
        values |= {"posted_at": now, "post_id": post_id, "post_url": post_url}
    result = await session.exec(
        update(Story).where(col(Story.id) == story_id, col(Story.status) == StoryStatus.POSTING).values(**values))
    return bool(result.rowcount)


async def set_story_status(*, session: AsyncSession, story_id: int, status: StoryStatus, now: datetime,
                           expect: Sequence[StoryStatus]) -> bool:
    result = await session.exec(
        update(Story).where(col(Story.id) == story_id, col(Story.status).in_(list(expect)))
        .values(status=status, updated_at=now))
    return bool(result.rowcount)


async def ended_matches_since(*, session: AsyncSession, programme_id: int, since: datetime) -> list[Match]:
    stmt = select(Match).where(Match.programme_id == programme_id, col(Match.status) == MatchStatus.ENDED,
                               col(Match.ended_at) >= since).order_by(col(Match.id))
    return list(await session.exec(stmt))


# ---- erasure -----------------------------------------------------------------------------------------------


async def erase_outcomes(*, session: AsyncSession, person_id: int, match_ids: Sequence[int]) -> list[Story]:
    """Before the person's matches go: their goals and every goal of those matches, their stories (the posted
    ones returned first, so the caller can say what was already public), and the link from a partner's story
    to a match that is about to be deleted."""
    ids = list(match_ids)
    stories = await stories_of_person(session=session, person_id=person_id)
    await session.exec(delete(Goal).where(
        (col(Goal.person_id) == person_id) | col(Goal.match_id).in_(ids) | (col(Goal.progress_by) == person_id)))
    await session.exec(delete(Story).where(col(Story.person_id) == person_id))
    if ids:
        await session.exec(update(Story).where(col(Story.match_id).in_(ids)).values(match_id=None))
    return stories


async def goal_counts(*, session: AsyncSession, programme_id: int) -> tuple[int, dict[str, int]]:
    """(pairs with goals, goals by progress) in the programme, counted in the database."""
    pairs = (await session.exec(select(func.count(func.distinct(Goal.match_id)))
                                .where(Goal.programme_id == programme_id))).one()
    rows = await session.exec(select(Goal.progress, func.count()).where(Goal.programme_id == programme_id)
                              .group_by(col(Goal.progress)))
    return int(pairs or 0), {str(progress): int(n) for progress, n in rows}


async def stories_posted(*, session: AsyncSession, programme_id: int) -> int:
    stmt = select(func.count()).select_from(Story).where(Story.programme_id == programme_id,
                                                          col(Story.status) == StoryStatus.POSTED)
    return int((await session.exec(stmt)).one() or 0)
