"""The local Bluesky's data: accounts (DIDs, app passwords), post records, reposts, and their JSON views."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"
_TAG_RE = re.compile(r"(?<![\w#])[#＃](\w+)")
_MENTION_RE = re.compile(r"(?<![\w@])@([a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9])")


def did_for(handle: str) -> str:
    """A did:plc-shaped DID derived from the handle (24 base32 characters)."""
    digest = hashlib.sha256(handle.lower().encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def cid_for(data: str) -> str:
    """A CIDv1 (dag-cbor, sha2-256) string of ``data``, base32 multibase: ``bafyrei…``."""
    raw = bytes([0x01, 0x71, 0x12, 0x20]) + hashlib.sha256(data.encode()).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def tid_for(when: datetime, seq: int) -> str:
    """A record key TID: 13 sortable base32 characters of (microseconds << 10 | clock id)."""
    value = (int(when.timestamp() * 1_000_000) << 10) | (seq & 0x3FF)
    out = []
    for _ in range(13):
        out.append(_TID_CHARS[value & 31])
        value >>= 5
    return "".join(reversed(out))


def at_time(when: datetime) -> str:
    """``2026-11-24T09:00:00.000Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def tags_in(text: str) -> list[str]:
    return [m.group(1) for m in _TAG_RE.finditer(text)]


@dataclass
class BskyAccount:
    did: str
    handle: str
    display_name: str
    app_password: str | None = None
    created_at: datetime | None = None

    def basic(self) -> JSON:
        view: JSON = {"did": self.did, "handle": self.handle, "labels": []}
        if self.display_name:
            view["displayName"] = self.display_name
        if self.created_at is not None:
            view["createdAt"] = at_time(self.created_at)
        return view

    def detailed(self, posts: int) -> JSON:
        return {**self.basic(), "followersCount": 0, "followsCount": 0, "postsCount": posts, "description": ""}


@dataclass
class BskyPost:
    author: BskyAccount
    rkey: str
    record: JSON
    indexed_at: datetime
    replies_disabled: bool = False  # a threadgate that lets nobody reply
    by_api: bool = False
    threadgate_violation: bool = False  # a reply the AppView would hide
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    extra: JSON = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return f"at://{self.author.did}/{POST}/{self.rkey}"

    @property
    def cid(self) -> str:
        return cid_for(self.uri + str(self.record.get("text")))

    @property
    def text(self) -> str:
        return str(self.record.get("text", ""))

    @property
    def created_at(self) -> datetime:
        raw = str(self.record.get("createdAt", ""))
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return self.indexed_at

    @property
    def sort_at(self) -> datetime:
        return min(self.created_at, self.indexed_at)

    @property
    def reply_parent(self) -> str | None:
        reply = self.record.get("reply")
        return str(reply["parent"]["uri"]) if isinstance(reply, dict) else None

    @property
    def reply_root(self) -> str | None:
        reply = self.record.get("reply")
        return str(reply["root"]["uri"]) if isinstance(reply, dict) else None

    def tags(self) -> set[str]:
        found = {t.lower() for t in tags_in(self.text)}
        for facet in self.record.get("facets") or []:
            for feature in facet.get("features") or []:
                if feature.get("$type") == "app.bsky.richtext.facet#tag":
                    found.add(str(feature.get("tag", "")).lower())
        found |= {str(t).lower() for t in self.record.get("tags") or []}
        return found

    def view(self, *, viewer_did: str | None) -> JSON:
        out: JSON = {
            "uri": self.uri,
            "cid": self.cid,
            "author": self.author.basic(),
            "record": self.record,
            "replyCount": self.replies,
            "repostCount": self.reposts,
            "likeCount": 0,
            "quoteCount": self.quotes,
            "indexedAt": at_time(self.indexed_at),
            "labels": [],
        }
        if viewer_did is not None:
            out["viewer"] = {
                "threadMuted": False,
                "embeddingDisabled": False,
                "replyDisabled": self.replies_disabled and viewer_did != self.author.did,
            }
        return out


def facets_for(text: str, handles: dict[str, BskyAccount]) -> list[JSON]:
    """Tag and mention facets (UTF-8 byte offsets), as a Bluesky app would attach them."""
    facets: list[JSON] = []

    def span(start: int, end: int) -> JSON:
        return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}

    for m in _TAG_RE.finditer(text):
        facets.append(
            {"index": span(m.start(), m.end()), "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": m.group(1)}]}
        )
    for m in _MENTION_RE.finditer(text):
        account = handles.get(m.group(1).lower())
        if account is not None:
            facets.append(
                {
                    "index": span(m.start(), m.end()),
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": account.did}],
                }
            )
    return sorted(facets, key=lambda f: int(f["index"]["byteStart"]))
