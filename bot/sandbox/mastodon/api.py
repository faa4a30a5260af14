"""Request handling of the local Mastodon: the hashtag timeline, statuses, credentials and instance info."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.sandbox.mastodon.model import JSON, MastoAccount, MastoStatus, mentions_in, snowflake


@dataclass
class ApiError(Exception):
    status: int
    message: str

    @property
    def body(self) -> JSON:
        return {"error": self.message}


@dataclass
class MastoStore:
    domain: str
    accounts: dict[str, MastoAccount] = field(default_factory=dict)  # by full acct, lower case
    statuses: dict[int, MastoStatus] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)  # ascending
    seq: int = 0
    next_account: int = 0

    def full(self, acct: str) -> str:
        acct = acct.strip().lstrip("@").lower()
        return acct if "@" in acct else f"{acct}@{self.domain}"

    def add_account(self, acct: str, name: str | None, now: datetime, *, bot: bool = False) -> MastoAccount:
        key = self.full(acct)
        found = self.accounts.get(key)
        if found is not None:
            if name is not None:
                found.display_name = name
            return found
        username, _sep, domain = key.partition("@")
        self.next_account += 1
        account = MastoAccount(
            id=str(109_000_000_000_000_000 + self.next_account * 7_907),
            username=acct.strip().lstrip("@").partition("@")[0],
            domain=None if domain == self.domain else domain,
            display_name=name if name is not None else username,
            local_domain=self.domain,
            created_at=now,
            bot=bot,
        )
        self.accounts[key] = account
        return account

    def insert(self, status_fields: dict[str, Any]) -> MastoStatus:
        when: datetime = status_fields["created_at"]
        self.seq += 1
        sid = snowflake(when, self.seq)
        while sid in self.statuses:
            sid += 1
        status = MastoStatus(id=sid, **status_fields)
        self.statuses[sid] = status
        bisect.insort(self.ids, sid)
        if status.in_reply_to is not None:
            status.in_reply_to.replies += 1
        if status.reblog_of is not None:
            status.reblog_of.reblogs += 1
        return status

    def get(self, ref: str | int) -> MastoStatus | None:
        text = str(ref).partition("@")[0]
        return self.statuses.get(int(text)) if text.isdigit() else None

    def remove(self, status: MastoStatus) -> None:
        """Delete a status: gone from timelines and lookups (its parent counts one reply fewer)."""
        self.statuses.pop(status.id, None)
        if status.id in self.ids:
            self.ids.remove(status.id)
        if status.in_reply_to is not None:
            status.in_reply_to.replies = max(0, status.in_reply_to.replies - 1)

    def mentioned(self, text: str) -> list[MastoAccount]:
        out: list[MastoAccount] = []
        for acct in mentions_in(text):
            found = self.accounts.get(self.full(acct))
            if found is not None and found not in out:
                out.append(found)
        return out

    def newest_first(self) -> Iterator[MastoStatus]:
        for sid in reversed(self.ids):
            yield self.statuses[sid]


def _id(params: dict[str, str], key: str) -> int | None:
    value = params.get(key, "")
    return int(value) if value.isdigit() else None


def _flag(params: dict[str, str], key: str) -> bool:
    return params.get(key, "").lower() in ("1", "true")


def tag_timeline(
    store: MastoStore, tag: str, params: dict[str, str], now: datetime, *, boosts: bool
) -> list[MastoStatus]:
    """``GET /api/v1/timelines/tag/:hashtag``: public statuses with the tag, newest first; ``min_id`` gives
    the page just after it, ``since_id`` the newest page after it, ``max_id`` the page before it."""
    raw_limit = params.get("limit", "20")
    limit = min(max(int(raw_limit), 1), 40) if raw_limit.isdigit() else 20
    max_id, since_id, min_id = _id(params, "max_id"), _id(params, "since_id"), _id(params, "min_id")
    local, remote = _flag(params, "local"), _flag(params, "remote")
    wanted = tag.lower()

    def visible(s: MastoStatus) -> bool:
        if s.created_at > now or s.visibility != "public":
            return False
        if local and s.account.domain is not None or remote and s.account.domain is None:
            return False
        tags = s.reblog_of.tags if (boosts and s.reblog_of is not None) else s.tags
        return wanted in {t.lower() for t in tags}

    lower = max(x for x in (since_id, min_id, -1) if x is not None)
    candidates = [
        s for s in store.newest_first() if s.id > lower and (max_id is None or s.id < max_id) and visible(s)
    ]
    if min_id is not None:
        return candidates[-limit:]  # the statuses just after min_id, still newest first
    return candidates[:limit]


def link_header(base: str, path: str, page: list[MastoStatus]) -> str | None:
    if not page:
        return None
    return f'<{base}{path}?max_id={page[-1].id}>; rel="next", <{base}{path}?min_id={page[0].id}>; rel="prev"'


def create_status(store: MastoStore, form: dict[str, Any], me: MastoAccount, now: datetime) -> MastoStatus:
    """``POST /api/v1/statuses``."""
    text = str(form.get("status") or "").strip()
    if not text:
        raise ApiError(422, "Validation failed: Text can't be blank")
    if len(text) > 500:
        raise ApiError(422, "Validation failed: Text character limit of 500 exceeded")
    visibility = str(form.get("visibility") or "public")
    if visibility not in ("public", "unlisted", "private", "direct"):
        raise ApiError(422, f"Validation failed: Visibility is not included in the list ({visibility})")
    reply_to = None
    if form.get("in_reply_to_id"):
        reply_to = store.get(str(form["in_reply_to_id"]))
        if reply_to is None:
            raise ApiError(404, "Record not found")
    return store.insert(
        {
            "account": me,
            "text": text,
            "created_at": now,
            "visibility": visibility,
            "in_reply_to": reply_to,
            "mentions": store.mentioned(text),
            "by_api": True,
        }
    )


def instance_v2(domain: str, base: str, hashtag_feeds: str) -> JSON:
    access = {"local": hashtag_feeds, "remote": hashtag_feeds}
    return {
        "domain": domain,
        "title": "Local Mastodon",
        "version": "4.5.0",
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A local Mastodon for the mentoring bot's tests",
        "usage": {"users": {"active_month": 1}},
        "thumbnail": {"url": f"https://{domain}/packs/media/images/preview.png"},
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": base.replace("http", "ws", 1), "status": None},
            "vapid": {"public_key": ""},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
            "media_attachments": {
                "supported_mime_types": ["image/png"],
                "image_size_limit": 16777216,
                "image_matrix_limit": 33177600,
                "video_size_limit": 103809024,
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8294400,
            },
            "polls": {"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2629746},
            "translation": {"enabled": False},
            "timelines_access": {
                "live_feeds": {"local": "public", "remote": "public"},
                "hashtag_feeds": access,
                "trending_link_feeds": {"local": "public", "remote": "public"},
            },
        },
        "registrations": {"enabled": False, "approval_required": False, "message": None, "url": None},
        "api_versions": {"mastodon": 6},
        "contact": {"email": "", "account": None},
        "rules": [],
    }


def instance_v1(domain: str, base: str) -> JSON:
    return {
        "uri": domain,
        "title": "Local Mastodon",
        "short_description": "",
        "description": "A local Mastodon for the mentoring bot's tests",
        "email": "",
        "version": "4.5.0",
        "urls": {"streaming_api": base.replace("http", "ws", 1)},
        "stats": {"user_count": 1, "status_count": 0, "domain_count": 1},
        "thumbnail": None,
        "languages": ["en"],
        "registrations": False,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": {"statuses": {"max_characters": 500}},
        "contact_account": None,
        "rules": [],
    }
