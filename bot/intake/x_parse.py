"""Turning X API v2 objects (as parsed by tweepy) into :class:`~bot.intake.source.Post`, and small helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.intake.source import Post, PostKind

REPLY_NOT_ALLOWED = "reply to this conversation is not allowed"
"""Lower-cased start of the detail X sends with the 403 for a reply it does not allow."""

_MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,15})\b")


def build_query(tags: Sequence[str], *, exclude_replies: bool = False, exclude_quotes: bool = False) -> str:
    """The search query for a programme's hashtags: ``#EduMentoring -is:retweet``, or
    ``(#A OR #B) -is:retweet`` for several. Retweets are excluded server-side (they are never leads and
    would cost quota); replies/quotes are classified client-side unless excluded here too."""
    clean = [t.strip().lstrip("#＃") for t in tags if t.strip().lstrip("#＃")]
    if not clean:
        raise ValueError("at least one hashtag is needed")
    bad = [t for t in clean if not re.fullmatch(r"\w+", t)]
    if bad:
        raise ValueError(f"not a hashtag: {bad[0]!r}")
    tag_part = f"#{clean[0]}" if len(clean) == 1 else "(" + " OR ".join(f"#{t}" for t in clean) + ")"
    parts = [tag_part, "-is:retweet"]
    if exclude_replies:
        parts.append("-is:reply")
    if exclude_quotes:
        parts.append("-is:quote")
    return " ".join(parts)


def post_kind(tweet: Any) -> PostKind:
    """retweet, reply, quote or original, from ``referenced_tweets`` (a retweet wins, then a reply)."""
    types = {ref.type for ref in (tweet.referenced_tweets or [])}
    if "retweeted" in types:
        return "retweet"
    if "replied_to" in types:
        return "reply"
    if "quoted" in types:
        return "quote"
    return "original"


def mentions(tweet: Any) -> list[tuple[str, str | None]]:
    """(username, user id or None) of every @mention: from ``entities`` when X sent them, else the text."""
    entities = tweet.entities or {}
    if "mentions" in entities or "hashtags" in entities or "urls" in entities:
        return [(str(m.get("username", "")), m.get("id")) for m in entities.get("mentions", [])]
    return [(m.group(1), None) for m in _MENTION_RE.finditer(tweet.text)]


def to_posts(
    tweets: Iterable[Any], users: Mapping[int, Any], *, bot_user_id: str, bot_handle: str
) -> list[Post]:
    """Posts from ``tweepy.Tweet`` objects and the ``includes.users`` (by int id) of the same response."""
    handle = bot_handle.lower().lstrip("@")
    out: list[Post] = []
    for tweet in tweets:
        author_id = tweet.author_id
        user = users.get(author_id) if author_id is not None else None
        mentioned = any(
            (uid is not None and str(uid) == bot_user_id) or name.lower() == handle for name, uid in mentions(tweet)
        )
        out.append(
            Post(
                platform="x",
                post_id=str(tweet.id),
                author_id=str(author_id) if author_id is not None else "",
                author_handle=user.username if user is not None else "",
                author_name=user.name if user is not None else "",
                text=tweet.text,
                created_at=tweet.created_at,
                kind=post_kind(tweet),
                mentions_bot=mentioned,
                is_own=author_id is not None and str(author_id) == bot_user_id,
            )
        )
    return out


def error_text(exc: Exception) -> str:
    """A short reason from a tweepy HTTPException: ``"401 Unauthorized: <X's messages>"``."""
    response = getattr(exc, "response", None)
    messages = getattr(exc, "api_messages", None) or []
    if response is None:
        return str(exc)
    head = f"{getattr(response, 'status', '?')} {getattr(response, 'reason', '')}".strip()
    return f"{head}: {'; '.join(messages)}" if messages else head


def reset_time(exc: Exception, default: datetime) -> datetime:
    """When a 429's rate-limit window resets (``x-rate-limit-reset``, Unix seconds), else ``default``."""
    raw = getattr(exc, "reset_time", None)
    if raw is None:
        headers = getattr(getattr(exc, "response", None), "headers", None) or {}
        value = headers.get("x-rate-limit-reset")
        raw = int(value) if value is not None and str(value).isdigit() else None
    if raw is None:
        return default
    return datetime.fromtimestamp(int(raw), UTC)
