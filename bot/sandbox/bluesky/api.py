"""Request handling of the local Bluesky: the XRPC methods the bot uses, with Bluesky's error bodies."""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.bluesky.model import JSON, POST, BskyAccount, BskyPost, at_time, did_for, tid_for


@dataclass
class XrpcError(Exception):
    status: int
    error: str
    message: str

    @property
    def body(self) -> JSON:
        return {"error": self.error, "message": self.message}


def invalid(message: str) -> XrpcError:
    return XrpcError(400, "InvalidRequest", message)


def _jwt(payload: JSON) -> str:
    def part(obj: JSON) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(payload)}.{secrets.token_urlsafe(32)}"


@dataclass
class BskyStore:
    """Accounts, post records and sessions of the local Bluesky."""

    accounts: dict[str, BskyAccount] = field(default_factory=dict)  # by DID
    by_handle: dict[str, BskyAccount] = field(default_factory=dict)
    posts: dict[str, BskyPost] = field(default_factory=dict)  # by at-uri
    reposts: list[JSON] = field(default_factory=list)
    access: dict[str, str] = field(default_factory=dict)  # token -> DID
    refresh: dict[str, str] = field(default_factory=dict)
    seq: int = 0

    # accounts and sessions -------------------------------------------------------------------------------
    def add_account(self, handle: str, name: str | None, *, app_password: str | None, now: datetime) -> BskyAccount:
        handle = handle.lstrip("@").lower()
        if "." not in handle:
            handle = f"{handle}.bsky.social"
        found = self.by_handle.get(handle)
        if found is not None:
            if name is not None:
                found.display_name = name
            if app_password is not None:
                found.app_password = app_password
            return found
        account = BskyAccount(did_for(handle), handle, name or "", app_password, now)
        self.accounts[account.did] = account
        self.by_handle[handle] = account
        return account

    def account(self, actor: str) -> BskyAccount:
        found = self.accounts.get(actor) or self.by_handle.get(actor.lstrip("@").lower())
        if found is None:
            raise invalid("Profile not found")
        return found

    def new_session(self, account: BskyAccount) -> JSON:
        now = int(time.time())  # the SDK compares exp with the system clock
        access = _jwt({"scope": "com.atproto.appPass", "sub": account.did, "iat": now, "exp": now + 7200, "aud": "did:web:sandbox"})
        refresh = _jwt({"scope": "com.atproto.refresh", "sub": account.did, "iat": now, "exp": now + 90 * 86400,
                        "jti": secrets.token_hex(8), "aud": "did:web:sandbox"})
        self.access[access] = account.did
        self.refresh[refresh] = account.did
        return {"accessJwt": access, "refreshJwt": refresh, "handle": account.handle, "did": account.did, "active": True}

    def create_session(self, body: Any) -> JSON:
        if not isinstance(body, dict) or not body.get("identifier") or not body.get("password"):
            raise invalid("Input must have the properties \"identifier\" and \"password\"")
        account = self.accounts.get(str(body["identifier"])) or self.by_handle.get(str(body["identifier"]).lower())
        if account is None or account.app_password is None or account.app_password != body["password"]:
            raise XrpcError(401, "AuthenticationRequired", "Invalid identifier or password")
        return self.new_session(account)

    def who(self, header: str, *, refresh: bool = False) -> str:
        if not header.startswith("Bearer "):
            raise XrpcError(401, "AuthMissing", "Authentication Required")
        did = (self.refresh if refresh else self.access).get(header[7:].strip())
        if did is None:
            raise XrpcError(401, "InvalidToken", "Token could not be verified")
        return did

    # posts -----------------------------------------------------------------------------------------------
    def insert(self, author: BskyAccount, record: JSON, indexed_at: datetime, **flags: Any) -> BskyPost:
        self.seq += 1
        rkey = tid_for(indexed_at, self.seq)
        post = BskyPost(author=author, rkey=rkey, record=record, indexed_at=indexed_at, **flags)
        self.posts[post.uri] = post
        parent = self.posts.get(post.reply_parent or "")
        if parent is not None:
            parent.replies += 1
        return post

    def get(self, ref: str) -> BskyPost | None:
        if ref.startswith("at://"):
            return self.posts.get(ref)
        did, _sep, rkey = ref.rpartition("/")
        return self.posts.get(f"at://{did}/{POST}/{rkey}")

    def strong_ref(self, ref: str) -> JSON:
        post = self.get(ref)
        if post is None:
            raise KeyError(f"no post {ref}")
        return {"uri": post.uri, "cid": post.cid}


def _time_param(params: dict[str, str], key: str) -> datetime | None:
    value = params.get(key)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid(f"{key} must be a valid datetime") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _matches(post: BskyPost, query: str) -> bool:
    """Every word of the query must match (a ``#tag`` one of the post's tags). Bluesky leaves boolean
    syntax unspecified, so ``OR`` is only a word here: a client relying on it finds nothing."""
    words = query.split()
    return bool(words) and all(
        (w[1:].lower() in post.tags()) if w.startswith(("#", "＃")) else (w.lower() in post.text.lower())
        for w in words
    )


def search_posts(store: BskyStore, params: dict[str, str], now: datetime, viewer: str) -> JSON:
    """``app.bsky.feed.searchPosts`` (``sort=latest``): newest first by sortAt, an offset cursor."""
    query = params.get("q", "").strip()
    if not query:
        raise invalid('Params must have the property "q"')
    raw_limit = params.get("limit", "25")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
        raise invalid("limit must be between 1 and 100")
    raw_cursor = params.get("cursor") or "0"
    if not raw_cursor.isdigit():
        raise invalid("invalid cursor")
    limit, offset = int(raw_limit), int(raw_cursor)
    since, until = _time_param(params, "since"), _time_param(params, "until")
    hits = [
        p
        for p in store.posts.values()
        if p.indexed_at <= now
        and not p.threadgate_violation
        and (since is None or p.sort_at >= since)
        and (until is None or p.sort_at < until)
        and _matches(p, query)
    ]
    hits.sort(key=lambda p: (p.sort_at, p.uri), reverse=True)
    page = hits[offset : offset + limit]
    body: JSON = {"posts": [p.view(viewer_did=viewer) for p in page], "hitsTotal": len(hits)}
    if offset + limit < len(hits):
        body["cursor"] = str(offset + limit)
    return body


def get_posts(store: BskyStore, uris: list[str], now: datetime, viewer: str) -> JSON:
    if not uris:
        raise invalid('Params must have the property "uris"')
    if len(uris) > 25:
        raise invalid("uris must not have more than 25 elements")
    found = [store.posts.get(u) for u in uris]
    return {"posts": [p.view(viewer_did=viewer) for p in found if p is not None and p.indexed_at <= now]}


def create_record(store: BskyStore, body: Any, did: str, now: datetime) -> BskyPost:
    """``com.atproto.repo.createRecord`` of an ``app.bsky.feed.post`` by the authenticated account."""
    if not isinstance(body, dict) or not isinstance(body.get("record"), dict):
        raise invalid('Input must have the property "record"')
    repo = str(body.get("repo", ""))
    author = store.accounts.get(repo) or store.by_handle.get(repo.lower())
    if author is None or author.did != did:
        raise XrpcError(400, "InvalidRequest", "Invalid repo: not the authenticated account")
    if body.get("collection") != POST:
        raise invalid(f"the local Bluesky only stores {POST} records")
    record = dict(body["record"])
    record.pop("$type", None)
    record = {"$type": POST, **record}
    if not isinstance(record.get("text"), str) or not isinstance(record.get("createdAt"), str):
        raise invalid("Invalid app.bsky.feed.post record: text and createdAt are required")
    if len(record["text"]) > 300:
        raise invalid("Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
    violation = False
    reply = record.get("reply")
    if reply is not None:
        if not (isinstance(reply, dict) and all(isinstance(reply.get(k), dict) for k in ("root", "parent"))):
            raise invalid("Invalid app.bsky.feed.post record: reply must have root and parent")
        root = store.posts.get(str(reply["root"].get("uri")))
        violation = root is not None and root.replies_disabled and root.author.did != did
    return store.insert(author, record, now, by_api=True, threadgate_violation=violation)


def delete_record(store: BskyStore, body: Any, did: str) -> BskyPost | None:
    """``com.atproto.repo.deleteRecord`` in the authenticated account's repo: the deleted post, or None when
    there was no such record (deleting it again succeeds and changes nothing)."""
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("repo", "collection", "rkey")):
        raise invalid('Input must have the properties "repo", "collection", "rkey"')
    repo = str(body["repo"])
    author = store.accounts.get(repo) or store.by_handle.get(repo.lower())
    if author is None or author.did != did:
        raise XrpcError(401, "AuthRequired", "Authentication Required")
    found = store.posts.pop(f"at://{author.did}/{body['collection']}/{body['rkey']}", None)
    if found is not None:
        parent = store.posts.get(found.reply_parent or "")
        if parent is not None:
            parent.replies = max(0, parent.replies - 1)
    return found


def write_result(post: BskyPost) -> JSON:
    return {"uri": post.uri, "cid": post.cid, "commit": {"cid": post.cid, "rev": post.rkey}, "validationStatus": "valid"}


def profile(store: BskyStore, actor: str) -> JSON:
    account = store.account(actor)
    return account.detailed(sum(1 for p in store.posts.values() if p.author is account))


def new_record(text: str, when: datetime, *, reply: JSON | None, embed: JSON | None, facets: list[JSON]) -> JSON:
    record: JSON = {"$type": POST, "text": text, "createdAt": at_time(when), "langs": ["en"]}
    if facets:
        record["facets"] = facets
    if reply is not None:
        record["reply"] = reply
    if embed is not None:
        record["embed"] = embed
    return record
