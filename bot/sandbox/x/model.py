"""Users and posts of the local X, rendered the way X API v2 renders them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TWITTER_EPOCH_MS = 1288834974657
"""X's snowflake epoch (2010-11-04T01:42:54.657Z)."""

HASHTAG_RE = re.compile(r"(?<![\w&])[#＃](\w*[^\W\d]\w*)")
MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,15})\b")
JSON = dict[str, Any]


def snowflake_for(when: datetime, seq: int = 0) -> int:
    """The smallest snowflake-like id for ``when`` (ms since X's epoch << 22), plus ``seq``."""
    ms = int(when.timestamp() * 1000) - TWITTER_EPOCH_MS
    return (max(ms, 0) << 22) + seq


def snowflake_time(post_id: int) -> datetime:
    """The creation time encoded in a snowflake id."""
    return datetime.fromtimestamp(((post_id >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def x_time(when: datetime) -> str:
    """X's timestamp format: ``2026-11-24T10:00:00.000Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass
class SandboxUser:
    id: str
    username: str
    name: str
    created_at: datetime | None = None
    description: str = ""

    def to_api(self, fields: set[str]) -> JSON:
        out: JSON = {"id": self.id, "name": self.name, "username": self.username}
        if "created_at" in fields and self.created_at is not None:
            out["created_at"] = x_time(self.created_at)
        if "description" in fields:
            out["description"] = self.description
        if "protected" in fields:
            out["protected"] = False
        if "verified" in fields:
            out["verified"] = False
        return out


@dataclass
class SandboxPost:
    id: str
    text: str
    author: SandboxUser
    created_at: datetime
    conversation_id: str
    referenced: list[tuple[str, str]] = field(default_factory=list)  # (type, id)
    in_reply_to_user_id: str | None = None
    by_bot_api: bool = False  # created through POST /2/tweets

    @property
    def int_id(self) -> int:
        return int(self.id)

    @property
    def hashtags(self) -> list[str]:
        return [m.group(1) for m in HASHTAG_RE.finditer(self.text)]

    @property
    def mentions(self) -> list[str]:
        return [m.group(1) for m in MENTION_RE.finditer(self.text)]

    def ref(self, kind: str) -> str | None:
        return next((rid for rtype, rid in self.referenced if rtype == kind), None)

    @property
    def is_retweet(self) -> bool:
        return self.ref("retweeted") is not None

    @property
    def is_reply(self) -> bool:
        return self.ref("replied_to") is not None

    @property
    def is_quote(self) -> bool:
        return self.ref("quoted") is not None

    def entities(self, users_by_handle: dict[str, SandboxUser]) -> JSON:
        out: JSON = {}
        tags = [
            {"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in HASHTAG_RE.finditer(self.text)
        ]
        mentions: list[JSON] = []
        for m in MENTION_RE.finditer(self.text):
            entry: JSON = {"start": m.start(), "end": m.end(), "username": m.group(1)}
            user = users_by_handle.get(m.group(1).lower())
            if user is not None:
                entry["id"] = user.id
            mentions.append(entry)
        if tags:
            out["hashtags"] = tags
        if mentions:
            out["mentions"] = mentions
        return out

    def to_api(
        self, fields: set[str], expansions: set[str], users_by_handle: dict[str, SandboxUser]
    ) -> JSON:
        out: JSON = {"id": self.id, "text": self.text, "edit_history_tweet_ids": [self.id]}
        if "author_id" in fields or "author_id" in expansions:
            out["author_id"] = self.author.id
        if "created_at" in fields:
            out["created_at"] = x_time(self.created_at)
        if "conversation_id" in fields:
            out["conversation_id"] = self.conversation_id
        if self.referenced and ("referenced_tweets" in fields or "referenced_tweets.id" in expansions):
            out["referenced_tweets"] = [{"type": t, "id": i} for t, i in self.referenced]
        if self.in_reply_to_user_id is not None and (
            "in_reply_to_user_id" in fields or "in_reply_to_user_id" in expansions
        ):
            out["in_reply_to_user_id"] = self.in_reply_to_user_id
        if "entities" in fields:
            entities = self.entities(users_by_handle)
            if entities:
                out["entities"] = entities
        if "lang" in fields:
            out["lang"] = "en"
        if "public_metrics" in fields:
            out["public_metrics"] = {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}
        return out
