"""Mastodon pieces of the source: accounts, post ids, cursors and statuses → Post.

**People and posts.** A person is ``acct@instance`` (lower case): a local account's ``acct`` is just the
username, so the instance's domain is added. A status id is only meaningful on the instance that
served it, so a post id is ``"<status id>@<instance domain>"`` (unique across instances; ≤ 64 chars).

**The cursor** is a plain status id of the configured instance: every status up to it is stored. The
hashtag timeline read with ``min_id`` returns the statuses just after it, oldest pages first, so a
catch-up walks forward page by page and each page's newest id is a safe cursor to store at once.
Mastodon ids are snowflakes (Unix ms << 16), so "nothing stored yet" starts at
:func:`snowflake_at` of the initial look-back.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from bot.intake.source import Post, PostKind


def snowflake_at(when: datetime) -> int:
    """The smallest Mastodon status id of the millisecond ``when``."""
    return int(when.timestamp() * 1000) << 16


def parse_cursor(cursor: str | None) -> str | None:
    """A stored Mastodon cursor (a status id), or None. Raises ValueError on garbage."""
    if not cursor:
        return None
    if not cursor.isdigit():
        raise ValueError(f"bad Mastodon cursor {cursor!r}")
    return cursor


def instance_domain(api_base_url: str) -> str:
    """``mastodon.social`` from ``https://mastodon.social`` (host and port, lower case)."""
    parts = urlsplit(api_base_url if "://" in api_base_url else f"https://{api_base_url}")
    return (parts.netloc or parts.path).lower().rstrip("/")


def full_acct(acct: str, domain: str) -> str:
    """``alice@mastodon.social`` for a local ``alice``; a remote acct unchanged; lower case, no ``@``."""
    acct = acct.strip().lstrip("@").lower()
    return acct if "@" in acct else f"{acct}@{domain.lower()}"


def post_id(status_id: Any, domain: str) -> str:
    return f"{status_id}@{domain.lower()}"


def status_id_of(post_id_or_status: str) -> str:
    """The local status id of a post id ``"<id>@<domain>"`` (a bare id is returned unchanged)."""
    status_id = post_id_or_status.partition("@")[0]
    if not status_id.isdigit():
        raise ValueError(f"not a Mastodon post id: {post_id_or_status!r}")
    return status_id


def post_url(post: Post) -> str:
    """The web address of a post on the instance that served it."""
    status_id, _sep, domain = post.post_id.partition("@")
    return f"https://{domain}/@{post.author_handle}/{status_id}"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            if self.paragraphs:
                self.parts.append("\n\n")
            self.paragraphs += 1

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(content: str) -> str:
    """Plain text of a status's HTML ``content`` (paragraphs and line breaks kept)."""
    if "<" not in content:
        return html.unescape(content)
    parser = _Text()
    parser.feed(content)
    parser.close()
    return re.sub(r"[ \t]+\n", "\n", "".join(parser.parts)).strip()


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):  # Mastodon.py hands out local-time datetimes
        return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return None


def post_kind(status: Any) -> PostKind:
    """retweet (a boost), reply, quote (Mastodon 4.5 quotes) or original."""
    if status.get("reblog"):
        return "retweet"
    if status.get("in_reply_to_id") is not None:
        return "reply"
    if status.get("quote") or status.get("quote_id"):
        return "quote"
    return "original"


def to_post(status: Any, *, domain: str, own_acct: str) -> Post:
    """A :class:`Post` from a status (Mastodon.py's dict-like ``Status``, or a plain dict)."""
    account = status.get("account") or {}
    acct = full_acct(str(account.get("acct") or account.get("username") or ""), domain)
    own = full_acct(own_acct, domain)
    mentioned = {full_acct(str(m.get("acct") or ""), domain) for m in status.get("mentions") or []}
    return Post(
        platform="mastodon",
        post_id=post_id(status.get("id"), domain),
        author_id=acct,
        author_handle=acct,
        author_name=str(account.get("display_name") or account.get("username") or ""),
        text=html_to_text(str(status.get("content") or "")),
        created_at=parse_time(status.get("created_at")),
        kind=post_kind(status),
        mentions_bot=own in mentioned,
        is_own=acct == own,
    )


def rate_reset(value: Any) -> datetime | None:
    """``X-RateLimit-Reset`` as a datetime: Mastodon sends ISO 8601, some servers Unix seconds."""
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    return parse_time(text)
