"""The local Mastodon's data: accounts, statuses with snowflake ids, and their REST JSON (API v1 shapes)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]
_TAG_RE = re.compile(r"(?<![\w#])#(\w+)")
_MENTION_RE = re.compile(r"(?<![\w@])@(\w+(?:@[\w.-]+\w)?)")
_URL_RE = re.compile(r"https?://\S+")


def masto_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def snowflake(when: datetime, seq: int) -> int:
    return (int(when.timestamp() * 1000) << 16) | (seq & 0xFFFF)


@dataclass
class MastoAccount:
    id: str
    username: str
    domain: str | None  # None: a local account
    display_name: str
    local_domain: str
    created_at: datetime
    bot: bool = False

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"

    @property
    def url(self) -> str:
        return f"https://{self.domain or self.local_domain}/@{self.username}"

    def to_api(self, statuses: int = 0) -> JSON:
        return {
            "id": self.id,
            "username": self.username,
            "acct": self.acct,
            "display_name": self.display_name,
            "locked": False,
            "bot": self.bot,
            "discoverable": True,
            "group": False,
            "created_at": masto_time(self.created_at.replace(hour=0, minute=0, second=0, microsecond=0)),
            "note": "",
            "url": self.url,
            "uri": f"https://{self.domain or self.local_domain}/users/{self.username}",
            "avatar": f"https://{self.local_domain}/avatars/original/missing.png",
            "avatar_static": f"https://{self.local_domain}/avatars/original/missing.png",
            "header": f"https://{self.local_domain}/headers/original/missing.png",
            "header_static": f"https://{self.local_domain}/headers/original/missing.png",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": statuses,
            "last_status_at": None,
            "emojis": [],
            "fields": [],
        }


@dataclass
class MastoStatus:
    id: int
    account: MastoAccount
    text: str
    created_at: datetime
    visibility: str = "public"
    in_reply_to: MastoStatus | None = None
    reblog_of: MastoStatus | None = None
    quote_of: MastoStatus | None = None
    mentions: list[MastoAccount] = field(default_factory=list)
    by_api: bool = False
    replies: int = 0
    reblogs: int = 0

    @property
    def tags(self) -> list[str]:
        return [m.group(1) for m in _TAG_RE.finditer(self.text)] if self.reblog_of is None else []

    def content(self) -> str:
        """The status text as Mastodon's HTML: paragraphs, hashtag and mention links."""
        local = self.account.local_domain
        mentioned = {a.acct.lower(): a for a in self.mentions}
        mentioned.update({a.username.lower(): a for a in self.mentions if a.domain is None})
        mentioned.update({f"{a.username}@{local}".lower(): a for a in self.mentions if a.domain is None})

        def link(piece: str) -> str:
            out = html.escape(piece, quote=False)
            out = _TAG_RE.sub(
                lambda m: f'<a href="https://{local}/tags/{m.group(1).lower()}" class="mention hashtag" '
                f'rel="tag">#<span>{m.group(1)}</span></a>',
                out,
            )

            def mention(m: re.Match[str]) -> str:
                account = mentioned.get(m.group(1).lower())
                if account is None:
                    return m.group(0)
                return (
                    f'<span class="h-card" translate="no"><a href="{account.url}" class="u-url mention">'
                    f"@<span>{account.username}</span></a></span>"
                )

            return _MENTION_RE.sub(mention, out)

        paragraphs = [p for p in self.text.split("\n\n")]
        return "".join("<p>" + "<br />".join(link(line) for line in p.split("\n")) + "</p>" for p in paragraphs)

    def to_api(self) -> JSON:
        local = self.account.local_domain
        body: JSON = {
            "id": str(self.id),
            "created_at": masto_time(self.created_at),
            "in_reply_to_id": str(self.in_reply_to.id) if self.in_reply_to else None,
            "in_reply_to_account_id": self.in_reply_to.account.id if self.in_reply_to else None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": self.visibility,
            "language": "en",
            "uri": f"https://{self.account.domain or local}/users/{self.account.username}/statuses/{self.id}",
            "url": f"{self.account.url}/{self.id}",
            "replies_count": self.replies,
            "reblogs_count": self.reblogs,
            "favourites_count": 0,
            "quotes_count": 0,
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "content": "" if self.reblog_of else self.content(),
            "filtered": [],
            "reblog": self.reblog_of.to_api() if self.reblog_of else None,
            "application": {"name": "Web", "website": None},
            "account": self.account.to_api(),
            "media_attachments": [],
            "mentions": [
                {"id": a.id, "username": a.username, "url": a.url, "acct": a.acct} for a in self.mentions
            ],
            "tags": [{"name": t.lower(), "url": f"https://{local}/tags/{t.lower()}"} for t in self.tags],
            "emojis": [],
            "card": None,
            "poll": None,
            "quote": None,
        }
        if self.quote_of is not None:
            body["quote"] = {"state": "accepted", "quoted_status": self.quote_of.to_api()}
        return body


def mentions_in(text: str) -> list[str]:
    return [m.group(1) for m in _MENTION_RE.finditer(_URL_RE.sub("", text))]
