"""Social posts, leads and poll cursors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dialect_insert
from storage.models import OPEN_LEAD_STATUSES, Lead, LeadStatus, Person, PollCursor, ReplyClaim, SocialPost


async def get_cursor(*, session: AsyncSession, programme_id: int, platform: str, query: str) -> PollCursor:
    """The cursor row, created empty when new."""
    stmt = select(PollCursor).where(
        PollCursor.programme_id == programme_id, PollCursor.platform == platform, PollCursor.query == query
    )
    cursor = (await session.exec(stmt)).first()
    if cursor is None:
        cursor = PollCursor(programme_id=programme_id, platform=platform, query=query)
        session.add(cursor)
        await session.flush()
    return cursor


async def save_cursor(
    *,
    session: AsyncSession,
    cursor_id: int,
    now: datetime,
    since_id: str | None = None,
    paused_until: datetime | None = None,
    disabled_reason: str | None = None,
) -> None:
    values: dict[str, Any] = {"updated_at": now, "paused_until": paused_until, "disabled_reason": disabled_reason}
    if since_id is not None:
        values["since_id"] = since_id
    await session.exec(update(PollCursor).where(col(PollCursor.id) == cursor_id).values(**values))


async def record_post(*, session: AsyncSession, post: SocialPost) -> bool:
    """Store a post unless the programme has its (platform, post id). ``True`` when it is new."""
    stmt = select(SocialPost.id).where(SocialPost.programme_id == post.programme_id,
                                       SocialPost.platform == post.platform, SocialPost.post_id == post.post_id)
    if (await session.exec(stmt)).first() is not None:
        return False
    session.add(post)
    await session.flush()
    return True


async def get_lead_by_author(
    *, session: AsyncSession, programme_id: int, platform: str, author_id: str
) -> Lead | None:
    stmt = select(Lead).where(
        Lead.programme_id == programme_id, Lead.platform == platform, Lead.author_id == author_id
    )
    return (await session.exec(stmt)).first()


async def add_lead(*, session: AsyncSession, lead: Lead) -> Lead:
    session.add(lead)
    await session.flush()
    return lead


async def get_lead_by_code(*, session: AsyncSession, claim_code: str) -> Lead | None:
    """Any programme's lead by its (internal, never published) reference code: only to keep codes unique."""
    return (await session.exec(select(Lead).where(Lead.claim_code == claim_code))).first()


async def replied_elsewhere(*, session: AsyncSession, lead: Lead) -> bool:
    """Whether another programme's lead of the same post already has (or is sending) the bot's reply: one
    post gets one reply, however many programmes share its hashtag."""
    stmt = select(Lead.id).where(
        Lead.platform == lead.platform, Lead.first_post_id == lead.first_post_id, col(Lead.id) != lead.id,
        or_(col(Lead.reply_post_id).is_not(None), col(Lead.status).in_(("replying", "replied"))),
    )
    return (await session.exec(stmt)).first() is not None


async def claim_reply(*, session: AsyncSession, programme_id: int, platform: str, post_id: str,
                      now: datetime) -> bool:
    """Claim the bot's one reply to a post for ``programme_id`` (insert-or-nothing on the post's unique
    row, so of programmes claiming at the same instant exactly one gets it). True: the reply is this
    programme's (claimed now, or earlier by it — a reply that must be retried later keeps its claim)."""
    insert = dialect_insert(session)
    await session.exec(insert(ReplyClaim).values(
        programme_id=programme_id, platform=platform, post_id=post_id, claimed_at=now,
    ).on_conflict_do_nothing(index_elements=["platform", "post_id"]))
    owner = (await session.exec(select(ReplyClaim.programme_id).where(
        ReplyClaim.platform == platform, ReplyClaim.post_id == post_id))).first()
    return owner == programme_id


async def own_posts_naming(*, session: AsyncSession, programme_id: int, platform: str, handle: str) -> list[SocialPost]:
    """The bot's own posts (seen in its searches) on ``platform`` that hold ``@handle``."""
    stmt = select(SocialPost).where(SocialPost.programme_id == programme_id, SocialPost.platform == platform,
                                    col(SocialPost.kind) == "own", col(SocialPost.text).contains(f"@{handle}"))
    return list(await session.exec(stmt.order_by(col(SocialPost.id))))


async def leads_in_programme(
    *, session: AsyncSession, programme_id: int, statuses: tuple[LeadStatus, ...] | None = None
) -> list[Lead]:
    stmt = select(Lead).where(Lead.programme_id == programme_id)
    if statuses:
        stmt = stmt.where(col(Lead.status).in_(statuses))
    return list(await session.exec(stmt.order_by(col(Lead.id))))


async def set_lead_status(
    *,
    session: AsyncSession,
    lead_id: int,
    status: LeadStatus,
    now: datetime,
    expect: tuple[LeadStatus, ...] | None = None,
    reply_post_id: str | None = None,
    person_id: int | None = None,
) -> bool:
    """Move a lead to ``status`` (only from ``expect`` when given). ``True`` when it moved."""
    return await _guarded_update(session, lead_id, now, expect, status=status, reply_post_id=reply_post_id,
                                 person_id=person_id)


async def _guarded_update(
    session: AsyncSession, lead_id: int, now: datetime, expect: tuple[LeadStatus, ...] | None, **fields: Any
) -> bool:
    """Set the given (non-None) fields of one lead, only while its status is one of ``expect`` when given."""
    stmt = update(Lead).where(col(Lead.id) == lead_id)
    if expect:
        stmt = stmt.where(col(Lead.status).in_(expect))
    values = {k: v for k, v in fields.items() if v is not None}
    result = await session.exec(stmt.values(updated_at=now, **values))
    return bool(result.rowcount)


# --- added for the hashtag intake service (issue #5) ---------------------------------------------------------

"""Lead statuses: ``new`` (to reply to), ``replying`` (a reply is being sent), ``replied``, ``queueing`` (to be
posted in the organisers' channel), ``queued`` (posted there); closed: ``linked``, ``dismissed``."""

POLL_LOCK_CLASS = 0x4D42  # "MB": the first key of the two-key advisory lock; the second names schema and programme


async def try_poll_lock(*, session: AsyncSession, programme_id: int) -> bool:
    """Take the programme's poller lock for the rest of ``session``'s transaction (PostgreSQL:
    ``pg_try_advisory_xact_lock``; released at commit/rollback, or when the connection dies). ``False`` when
    another process holds it. On SQLite there is no such lock: always ``True`` (the process is alone)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return await _try_xact_lock(session, POLL_LOCK_CLASS, programme_id)


async def _try_xact_lock(session: AsyncSession, cls: int, programme_id: int) -> bool:
    """``pg_try_advisory_xact_lock(cls, key)``, the key naming the programme *in this schema*: advisory locks
    are database-wide, and programme ids repeat across schemas (deployments or test runs sharing a database)."""
    result = await session.exec(  # type: ignore[call-overload]
        text("SELECT pg_try_advisory_xact_lock(:cls, hashtext(current_schema() || '/' || CAST(:pid AS text)))")
        .bindparams(cls=cls, pid=programme_id)
    )
    return bool(result.scalar())


async def get_post(*, session: AsyncSession, programme_id: int, platform: str, post_id: str) -> SocialPost | None:
    stmt = select(SocialPost).where(SocialPost.programme_id == programme_id, SocialPost.platform == platform,
                                    SocialPost.post_id == post_id)
    return (await session.exec(stmt)).first()


async def update_lead(
    *,
    session: AsyncSession,
    lead_id: int,
    now: datetime,
    expect: tuple[LeadStatus, ...] | None = None,
    status: LeadStatus | None = None,
    first_post_id: str | None = None,
    suggestions: dict[str, Any] | None = None,
    author_handle: str | None = None,
) -> bool:
    """Change some fields of a lead (only while its status is one of ``expect``, when given)."""
    return await _guarded_update(session, lead_id, now, expect, status=status, first_post_id=first_post_id,
                                 suggestions=suggestions, author_handle=author_handle)


async def recent_reply_count(*, session: AsyncSession, programme_id: int, since: datetime) -> int:
    """Replies the bot sent (or is sending) for this programme's leads since ``since`` — leads with a reply
    post or in ``replying``, by ``updated_at`` (a lead linked since counts too: the limit errs on the safe side)."""
    stmt = select(func.count()).select_from(Lead).where(
        Lead.programme_id == programme_id,
        col(Lead.updated_at) >= since,
        or_(col(Lead.reply_post_id).is_not(None), col(Lead.status) == LeadStatus.REPLYING),
    )
    return int((await session.exec(stmt)).one())


async def leads_with_status(
    *, session: AsyncSession, programme_id: int, status: LeadStatus, updated_before: datetime | None = None,
    limit: int | None = None,
) -> list[Lead]:
    """Leads of a programme in one status, oldest first."""
    stmt = select(Lead).where(Lead.programme_id == programme_id, Lead.status == status)
    if updated_before is not None:
        stmt = stmt.where(col(Lead.updated_at) < updated_before)
    stmt = stmt.order_by(col(Lead.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(await session.exec(stmt))


async def find_lead(*, session: AsyncSession, programme_id: int, handle_or_code: str) -> Lead | None:
    """A lead of the programme by claim code (exact, upper case) or X handle (any case, with or without @)."""
    by_code = select(Lead).where(Lead.programme_id == programme_id, Lead.claim_code == handle_or_code.upper())
    found = (await session.exec(by_code)).first()
    if found is not None:
        return found
    handle = handle_or_code.strip().lstrip("@").lower()
    by_handle = select(Lead).where(
        Lead.programme_id == programme_id, func.lower(col(Lead.author_handle)) == handle
    ).order_by(col(Lead.id).desc())
    return (await session.exec(by_handle)).first()


async def link_lead(
    *, session: AsyncSession, lead_id: int, person_id: int, x_handle: str, now: datetime
) -> bool:
    """Close an open lead as ``linked`` to ``person_id`` and store the X handle on the person, together.
    ``False`` (nothing changed) when the lead is no longer open."""
    moved = await set_lead_status(
        session=session, lead_id=lead_id, status=LeadStatus.LINKED, now=now, expect=OPEN_LEAD_STATUSES, person_id=person_id
    )
    if moved and x_handle:
        await session.exec(
            update(Person).where(col(Person.id) == person_id).values(x_handle=x_handle[:100], updated_at=now)
        )
    return moved


# --- added for intake beyond X (issue #11): per-platform pollers, merged leads, leads per platform -----------

PLATFORM_LOCK_CLASSES = {"x": POLL_LOCK_CLASS, "bluesky": POLL_LOCK_CLASS + 1, "mastodon": POLL_LOCK_CLASS + 2}
MERGED = LeadStatus.MERGED
"""A lead closed into another lead of the same person (``suggestions[MERGED_INTO]`` is that lead's id)."""
MERGED_INTO = "_merged_into"


async def try_platform_poll_lock(*, session: AsyncSession, programme_id: int, platform: str) -> bool:
    """:func:`try_poll_lock` for one platform's poller of the programme (X keeps the original key), so the
    pollers of different platforms run side by side and each platform has one poller at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return await _try_xact_lock(session, PLATFORM_LOCK_CLASSES.get(platform, POLL_LOCK_CLASS + 9), programme_id)


async def platform_leads_with_status(
    *, session: AsyncSession, programme_id: int, platform: str, status: LeadStatus,
    updated_before: datetime | None = None, limit: int | None = None,
) -> list[Lead]:
    """Leads of a programme on one platform in one status, oldest first."""
    stmt = select(Lead).where(Lead.programme_id == programme_id, Lead.platform == platform, Lead.status == status)
    if updated_before is not None:
        stmt = stmt.where(col(Lead.updated_at) < updated_before)
    stmt = stmt.order_by(col(Lead.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(await session.exec(stmt))


async def recent_platform_reply_count(
    *, session: AsyncSession, programme_id: int, platform: str, since: datetime
) -> int:
    """:func:`recent_reply_count` for the leads of one platform."""
    stmt = select(func.count()).select_from(Lead).where(
        Lead.programme_id == programme_id,
        Lead.platform == platform,
        col(Lead.updated_at) >= since,
        or_(col(Lead.reply_post_id).is_not(None), col(Lead.status) == LeadStatus.REPLYING),
    )
    return int((await session.exec(stmt)).one())


async def find_lead_ref(*, session: AsyncSession, programme_id: int, ref: str) -> Lead | None:
    """A lead of the programme by ``#id``, claim code, ``platform:handle`` (``bluesky:ana.bsky.social``) or
    handle on any platform (any case, with or without @; the newest lead when several platforms match)."""
    ref = ref.strip()
    if ref.startswith("#") and ref[1:].isdigit():
        stmt = select(Lead).where(Lead.programme_id == programme_id, Lead.id == int(ref[1:]))
        return (await session.exec(stmt)).first()
    by_code = select(Lead).where(Lead.programme_id == programme_id, Lead.claim_code == ref.upper())
    found = (await session.exec(by_code)).first()
    if found is not None:
        return found
    return await find_lead_by_handle(session=session, programme_id=programme_id, ref=ref)


async def find_lead_by_handle(*, session: AsyncSession, programme_id: int, ref: str) -> Lead | None:
    """A lead of the programme by ``platform:handle`` or handle on any platform (any case, with or without
    @; the newest lead when several platforms match). Never another programme's."""
    ref = ref.strip()
    platform, sep, rest = ref.partition(":")
    stmt = select(Lead).where(Lead.programme_id == programme_id)
    if sep and platform.lower() in PLATFORM_LOCK_CLASSES:
        stmt = stmt.where(Lead.platform == platform.lower())
        ref = rest
    handle = ref.strip().lstrip("@").lower()
    stmt = stmt.where(func.lower(col(Lead.author_handle)) == handle).order_by(col(Lead.id).desc())
    return (await session.exec(stmt)).first()


async def leads_merged_into(*, session: AsyncSession, programme_id: int, lead_id: int) -> list[Lead]:
    """The leads an organiser merged into ``lead_id`` (status ``merged``)."""
    stmt = select(Lead).where(Lead.programme_id == programme_id, Lead.status == MERGED).order_by(col(Lead.id))
    return [lead for lead in await session.exec(stmt) if (lead.suggestions or {}).get(MERGED_INTO) == lead_id]


async def lead_counts_by_platform(*, session: AsyncSession, programme_id: int) -> dict[str, int]:
    """Leads per platform: the accounts that posted there (two platforms of one person count on each)."""
    stmt = (
        select(Lead.platform, func.count())
        .where(Lead.programme_id == programme_id)
        .group_by(col(Lead.platform))
    )
    return {platform: int(n) for platform, n in await session.exec(stmt)}


async def lead_people_count(*, session: AsyncSession, programme_id: int) -> int:
    """People found through the hashtags: leads linked to one member count once, leads merged into another
    lead are that lead's person, the other leads one person each."""
    unlinked = select(func.count()).select_from(Lead).where(
        Lead.programme_id == programme_id, col(Lead.person_id).is_(None), Lead.status != MERGED
    )
    linked = select(func.count(func.distinct(Lead.person_id))).where(
        Lead.programme_id == programme_id, col(Lead.person_id).is_not(None)
    )
    return int((await session.exec(unlinked)).one()) + int((await session.exec(linked)).one())


async def set_person_x_handle(*, session: AsyncSession, person_id: int, x_handle: str, now: datetime) -> None:
    """Store the X handle of a person (a merged X lead linked to them), as :func:`link_lead` does."""
    if x_handle:
        await session.exec(
            update(Person).where(col(Person.id) == person_id).values(x_handle=x_handle[:100], updated_at=now)
        )


async def posts_by_author(*, session: AsyncSession, programme_id: int, platform: str, author_id: str) -> list[SocialPost]:
    """The posts of one account the programme recorded (``/mydata``)."""
    stmt = select(SocialPost).where(SocialPost.programme_id == programme_id, SocialPost.platform == platform,
                                    SocialPost.author_id == author_id).order_by(col(SocialPost.id))
    return list(await session.exec(stmt))
