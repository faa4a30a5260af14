"""Bluesky (atproto) pieces of the source: the storable time cursor, post ids, and post views → Post.

**Post ids.** A post's at-uri (``at://<did>/app.bsky.feed.post/<rkey>``) is about 70 characters, more than
the 64 the storage allows, so :class:`~bot.intake.source.Post` carries ``"<did>/<rkey>"`` (unique across
Bluesky; :func:`post_uri` turns it back into the at-uri). The author id is the DID, which survives
handle changes; the handle is recorded next to it.

**The cursor.** ``app.bsky.feed.searchPosts`` (``sort=latest``) returns posts newest first by *sortAt*
(the earlier of the record's ``createdAt`` and the AppView's ``indexedAt``), filtered by ``since``
(inclusive) and ``until`` (exclusive), and pages with an opaque ``cursor`` that only makes sense with the
same request. So the stored cursor is made of sortAt times in Unix milliseconds, like the X cursor:

* ``"t:<ms>"`` — every post with sortAt ≤ ms is stored; the next poll asks ``since=<ms - overlap>``
  (an overlap catches posts the search indexed late; the ones already returned are dropped).
* ``"p:<since>:<until>:<top>"`` — a catch-up is under way: posts ≤ since and posts from until up to top
  are stored; the rest is asked with ``since=<since - overlap>&until=<until + 1 ms>``, then the cursor
  becomes ``"t:<top>"``. Posts at exactly ``until`` may be read twice; stored post ids are unique.
* None / ``""`` — nothing stored yet: the source reads its initial look-back window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.intake.source import Post, PostKind

POST_COLLECTION = "app.bsky.feed.post"
_QUOTE_EMBEDS = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")


@dataclass(frozen=True)
class TimeCursor:
    since_ms: int | None = None
    until_ms: int | None = None  # set while a catch-up is partial
    top_ms: int | None = None

    @property
    def partial(self) -> bool:
        return self.until_ms is not None

    def encode(self) -> str | None:
        if self.until_ms is None:
            return None if self.since_ms is None else f"t:{self.since_ms}"
        since = "" if self.since_ms is None else str(self.since_ms)
        top = "" if self.top_ms is None else str(self.top_ms)
        return f"p:{since}:{self.until_ms}:{top}"

    def after_page(self, oldest_ms: int | None, more: bool) -> TimeCursor:
        """The cursor once a page reaching down to sortAt ``oldest_ms`` is stored."""
        if not more:
            top = self.top_ms if self.top_ms is not None else self.since_ms
            return TimeCursor(since_ms=top)
        if oldest_ms is None:
            return self
        return TimeCursor(since_ms=self.since_ms, until_ms=oldest_ms, top_ms=self.top_ms)


def parse_time_cursor(cursor: str | None) -> TimeCursor:
    """Parse a stored Bluesky cursor. Raises ValueError on garbage."""
    if not cursor:
        return TimeCursor()
    parts = cursor.split(":")
    if parts[0] == "t" and len(parts) == 2 and parts[1].isdigit():
        return TimeCursor(since_ms=int(parts[1]))
    if parts[0] == "p" and len(parts) == 4 and parts[2].isdigit() and all(p.isdigit() for p in parts[1:] if p):
        return TimeCursor(
            since_ms=int(parts[1]) if parts[1] else None,
            until_ms=int(parts[2]),
            top_ms=int(parts[3]) if parts[3] else None,
        )
    raise ValueError(f"bad Bluesky cursor {cursor!r}")


def to_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def iso_ms(when: datetime) -> str:
    """``2026-11-24T09:00:00.000Z``: the datetime form the AppView expects."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_time(value: Any) -> datetime | None:
    """An atproto datetime string (``...Z`` or with an offset) as an aware datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def split_uri(uri: str) -> tuple[str, str, str]:
    """(did, collection, rkey) of an at-uri."""
    if not uri.startswith("at://"):
        raise ValueError(f"not an at-uri: {uri!r}")
    parts = uri[5:].split("/")
    if len(parts) != 3:
        raise ValueError(f"not a record at-uri: {uri!r}")
    return parts[0], parts[1], parts[2]


def post_id_of(uri: str) -> str:
    """The stored post id ``"<did>/<rkey>"`` of a post's at-uri."""
    did, _collection, rkey = split_uri(uri)
    return f"{did}/{rkey}"


def post_uri(post_id: str) -> str:
    """The at-uri of a stored post id (an at-uri is returned unchanged)."""
    if post_id.startswith("at://"):
        return post_id
    did, sep, rkey = post_id.rpartition("/")
    if not sep or not did.startswith("did:") or not rkey:
        raise ValueError(f"not a Bluesky post id: {post_id!r}")
    return f"at://{did}/{POST_COLLECTION}/{rkey}"


def post_url(post: Post) -> str:
    """The bsky.app address of a Bluesky post."""
    did, _sep, rkey = post.post_id.rpartition("/")
    return f"https://bsky.app/profile/{post.author_handle or did}/post/{rkey}"


def _get(obj: Any, *names: str) -> Any:
    """An attribute of an SDK model (snake_case) or a key of a raw dict (camelCase); the first found."""
    for name in names:
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    return None


def post_kind(record: Any) -> PostKind:
    """reply (the record has reply refs), quote (embeds a record), else original. Reposts are separate
    records that search never returns."""
    if _get(record, "reply") is not None:
        return "reply"
    embed = _get(record, "embed")
    embed_type = str(_get(embed, "py_type", "$type") or "") if embed is not None else ""
    if embed_type.split("#")[0] in _QUOTE_EMBEDS:
        return "quote"
    return "original"


def mentioned_dids(record: Any) -> set[str]:
    """The DIDs of the record's mention facets."""
    out: set[str] = set()
    for facet in _get(record, "facets") or []:
        for feature in _get(facet, "features") or []:
            did = _get(feature, "did")
            if isinstance(did, str):
                out.add(did)
    return out


def sort_at(view: Any) -> datetime | None:
    """The post's sortAt: the earlier of the record's createdAt and the view's indexedAt."""
    created = parse_time(_get(_get(view, "record"), "created_at", "createdAt"))
    indexed = parse_time(_get(view, "indexed_at", "indexedAt"))
    present = [t for t in (created, indexed) if t is not None]
    return min(present) if present else None


def to_post(view: Any, *, own_did: str) -> Post:
    """A :class:`Post` from an ``app.bsky.feed.defs#postView`` (SDK model or raw dict)."""
    record = _get(view, "record")
    author = _get(view, "author")
    did = str(_get(author, "did") or "")
    created = parse_time(_get(record, "created_at", "createdAt")) or parse_time(_get(view, "indexed_at", "indexedAt"))
    return Post(
        platform="bluesky",
        post_id=post_id_of(str(_get(view, "uri"))),
        author_id=did,
        author_handle=str(_get(author, "handle") or ""),
        author_name=str(_get(author, "display_name", "displayName") or ""),
        text=str(_get(record, "text") or ""),
        created_at=created,
        kind=post_kind(record),
        mentions_bot=own_did in mentioned_dids(record),
        is_own=did == own_did,
    )
