"""What must hold after any run, however often processes died: read from PostgreSQL and the sandboxes."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox.discord import SandboxDiscord
from bot.sandbox.x import SandboxX

NUDGE_MARKER = re.compile(r"ref:n(\d+)\b")
INTRO_MARKER = re.compile(r"ref intro-(\d+)\b")
PAIR_MARKER = re.compile(r"ref pair-(\d+)\b")
DM_MARKER = re.compile(r"ref dm(\d+)-(\d+)\b")


async def _rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


def _bot_messages(discord: SandboxDiscord) -> list[Any]:
    bot_id = discord.state.bot_user.id
    return [m for m in discord.state.messages.values() if m.author_id == bot_id and not m.deleted]


async def check_profiles(engine: AsyncEngine, finished: Mapping[int, Mapping[str, Any]]) -> list[str]:
    """Every person who finished has exactly one person row and one complete profile with their answers;
    nobody has two person rows, profiles or interviews."""
    problems: list[str] = []
    for sql, what in (
        ("SELECT discord_user_id, count(*) FROM person GROUP BY programme_id, discord_user_id HAVING count(*) > 1",
         "person rows"),
        ("SELECT person_id, count(*) FROM profile GROUP BY programme_id, person_id HAVING count(*) > 1", "profiles"),
        ("SELECT person_id, count(*) FROM onboarding_session GROUP BY programme_id, person_id HAVING count(*) > 1",
         "interviews"),
    ):
        for key, n in await _rows(engine, sql):
            problems.append(f"{key} has {n} {what}")
    rows = await _rows(engine, "SELECT p.discord_user_id, pr.answers FROM person p "
                               "LEFT JOIN profile pr ON pr.person_id = p.id")
    by_user: dict[int, list[Any]] = {}
    for uid, answers in rows:
        by_user.setdefault(int(uid or 0), []).append(answers)
    for uid, expected in finished.items():
        found = [a for a in by_user.get(uid, []) if a is not None]
        if len(found) != 1:
            problems.append(f"user {uid} finished but has {len(found)} profiles")
            continue
        missing = [k for k in expected if k not in found[0]]
        if missing:
            problems.append(f"user {uid}: profile lacks {missing}")
    return problems


async def check_pairs(engine: AsyncEngine, discord: SandboxDiscord) -> list[str]:
    """Every match has exactly one private space and one introduction; each member's DM about it at most
    once (exactly once when the announcement is done)."""
    problems: list[str] = []
    matches = await _rows(engine, "SELECT m.id, m.announce_state, a.discord_user_id, b.discord_user_id FROM match m "
                                  "JOIN person a ON a.id = m.mentor_person_id JOIN person b ON b.id = m.mentee_person_id")
    spaces: Counter[int] = Counter()
    for c in discord.state.channels.values():
        for found in PAIR_MARKER.findall(c.topic or ""):
            spaces[int(found)] += 1
        hit = re.search(r"#(\d+)$", c.name or "")
        if c.type in (11, 12) and hit and (c.name or "").startswith("pair-"):
            spaces[int(hit.group(1))] += 1
    intros: Counter[int] = Counter()
    dms: Counter[tuple[int, int]] = Counter()
    for m in _bot_messages(discord):
        for found in INTRO_MARKER.findall(m.content):
            intros[int(found)] += 1
        for uid, mid in DM_MARKER.findall(m.content):
            dms[(int(uid), int(mid))] += 1
    for mid, state, mentor, mentee in matches:
        if spaces[mid] != 1:
            problems.append(f"match {mid} has {spaces[mid]} spaces")
        if intros[mid] != 1:
            problems.append(f"match {mid} has {intros[mid]} introductions")
        for uid in (mentor, mentee):
            n = dms[(int(uid), mid)]
            if n > 1 or (state == "done" and n != 1):
                problems.append(f"match {mid}: {n} pairing DMs to {uid} (announce state {state})")
    return problems


async def check_nudges(engine: AsyncEngine, discord: SandboxDiscord, now: datetime, *,
                       settled: bool = True) -> list[str]:
    """No nudge message twice; with ``settled``, every nudge that fell due was sent, exactly once."""
    problems: list[str] = []
    sent: Counter[int] = Counter()
    for m in _bot_messages(discord):
        for found in NUDGE_MARKER.findall(m.content):
            sent[int(found)] += 1
    for nid, n in sent.items():
        if n > 1:
            problems.append(f"nudge {nid} was sent {n} times")
    rows = await _rows(engine, "SELECT id, status, due_at, kind FROM nudge")
    for nid, status, due_at, kind in rows:
        if status == "sent" and sent[nid] != 1:
            problems.append(f"nudge {nid} ({kind}) is recorded sent but {sent[nid]} messages carry it")
        if settled and status in ("pending", "claimed") and due_at <= now:
            problems.append(f"nudge {nid} ({kind}) fell due at {due_at} and is still {status}")
        if status == "failed":
            problems.append(f"nudge {nid} ({kind}) failed")
    return problems


async def check_x_replies(engine: AsyncEngine, x: SandboxX, mentioned_posts: Iterable[str] = ()) -> list[str]:
    """No post on X answered twice; every post that mentions the bot got its invite once: a reply on X, or
    (when the process died during the reply, so it may or may not have gone out) the organisers' queue."""
    problems: list[str] = []
    answered = Counter(str(r.ref("replied_to")) for r in x.replies)
    problems += [f"X post {pid} answered {n} times" for pid, n in answered.items() if n > 1]
    leads = {str(post): status for post, status in await _rows(engine, "SELECT first_post_id, status FROM lead")}
    for pid in mentioned_posts:
        if answered[pid] == 0 and leads.get(pid) not in ("queueing", "queued"):
            problems.append(f"X post {pid} never answered (lead: {leads.get(pid)})")
    return problems
