"""Request handling of the local X API v2: recent search and post creation, with X's error bodies."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.x.model import JSON, SandboxPost, SandboxUser, snowflake_for, x_time
from bot.sandbox.x.query import QueryError, parse_query
from bot.sandbox.x.store import XStore

INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
REPLY_NOT_ALLOWED = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged "
    "by the author of the post you are replying to."
)
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
_URL_RE = re.compile(r"https?://\S+")
EXPANSIONS = {
    "author_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
    "in_reply_to_user_id",
    "entities.mentions.username",
}


@dataclass
class ApiError(Exception):
    status: int
    body: JSON = field(default_factory=dict)


def problem(status: int, title: str, detail: str | None = None, type_: str = "about:blank") -> ApiError:
    return ApiError(status, {"title": title, "detail": detail or title, "type": type_, "status": status})


def invalid(param: str, value: str, message: str) -> ApiError:
    return ApiError(
        400,
        {
            "errors": [{"parameters": {param: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID_REQUEST,
        },
    )


def encode_token(below: int) -> str:
    return "b" + base64.b32encode(str(below).encode()).decode().rstrip("=").lower()


def decode_token(token: str) -> int:
    try:
        raw = token[1:].upper()
        return int(base64.b32decode(raw + "=" * (-len(raw) % 8)).decode())
    except Exception as exc:  # noqa: BLE001 - any garbage is an invalid token
        raise invalid("next_token", token, f"The `next_token` query parameter value [{token}] is not valid") from exc


def _csv(params: dict[str, str], key: str) -> set[str]:
    return {v.strip() for v in params.get(key, "").split(",") if v.strip()}


def _id_param(params: dict[str, str], key: str) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if not value.isdigit():
        raise invalid(key, value, f"The `{key}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$")
    return int(value)


def _time_param(params: dict[str, str], key: str) -> datetime | None:
    value = params.get(key)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid(key, value, f"Invalid '{key}':'{value}'.") from exc


def search_recent(store: XStore, params: dict[str, str], now: datetime, recent: timedelta) -> JSON:
    """``GET /2/tweets/search/recent``: the response body, or :class:`ApiError`."""
    query_text = params.get("query")
    if not query_text:
        raise invalid("query", "", "The `query` query parameter can not be empty")
    try:
        query = parse_query(query_text)
    except QueryError as exc:
        raise invalid("query", query_text, f"There were errors processing your request: {exc}") from exc
    raw_max = params.get("max_results", "10")
    if not raw_max.isdigit() or not 10 <= int(raw_max) <= 100:
        raise invalid(
            "max_results", raw_max, f"The `max_results` query parameter value [{raw_max}] is not between 10 and 100"
        )
    max_results = int(raw_max)
    expansions = _csv(params, "expansions")
    unknown = expansions - EXPANSIONS
    if unknown:
        bad = sorted(unknown)[0]
        raise invalid("expansions", bad, f"The `expansions` query parameter value [{bad}] is not one of {sorted(EXPANSIONS)}")
    tweet_fields = _csv(params, "tweet.fields")
    user_fields = _csv(params, "user.fields")
    oldest_allowed = now - recent
    since_id = _id_param(params, "since_id")
    until_id = _id_param(params, "until_id")
    if since_id is not None and since_id < snowflake_for(oldest_allowed):
        raise invalid(
            "since_id",
            str(since_id),
            f"Invalid 'since_id':'{since_id}'. 'since_id' must be a tweet id created after {x_time(oldest_allowed)}.",
        )
    start_time = _time_param(params, "start_time") or oldest_allowed
    end_time = _time_param(params, "end_time") or now
    token = params.get("next_token") or params.get("pagination_token")
    below = until_id
    if token:
        token_below = decode_token(token)
        below = token_below if below is None else min(below, token_below)

    found: list[SandboxPost] = []
    more = False
    for post in store.newest_first(below=below, above=since_id):
        if post.created_at > end_time:
            continue
        if post.created_at < start_time:
            break
        if query.match(post):
            if len(found) == max_results:
                more = True
                break
            found.append(post)
    if not found:
        return {"meta": {"result_count": 0}}
    body: JSON = {
        "data": [p.to_api(tweet_fields, expansions, store.by_handle) for p in found],
    }
    includes = _includes(store, found, expansions, user_fields, tweet_fields)
    if includes:
        body["includes"] = includes
    meta: JSON = {"newest_id": found[0].id, "oldest_id": found[-1].id, "result_count": len(found)}
    if more:
        meta["next_token"] = encode_token(found[-1].int_id)
    body["meta"] = meta
    return body


def _includes(
    store: XStore, found: list[SandboxPost], expansions: set[str], user_fields: set[str], tweet_fields: set[str]
) -> JSON:
    users: dict[str, SandboxUser] = {}
    tweets: dict[str, SandboxPost] = {}
    for post in found:
        if "author_id" in expansions:
            users.setdefault(post.author.id, post.author)
        if "in_reply_to_user_id" in expansions and post.in_reply_to_user_id in store.users:
            users.setdefault(post.in_reply_to_user_id, store.users[post.in_reply_to_user_id])
        if "entities.mentions.username" in expansions:
            for handle in post.mentions:
                if (mentioned := store.by_handle.get(handle.lower())) is not None:
                    users.setdefault(mentioned.id, mentioned)
        if expansions & {"referenced_tweets.id", "referenced_tweets.id.author_id"}:
            for _, ref_id in post.referenced:
                if (ref := store.get(ref_id)) is not None:
                    tweets.setdefault(ref.id, ref)
                    if "referenced_tweets.id.author_id" in expansions:
                        users.setdefault(ref.author.id, ref.author)
    out: JSON = {}
    if users:
        out["users"] = [u.to_api(user_fields) for u in users.values()]
    if tweets and "referenced_tweets.id" in expansions:
        out["tweets"] = [t.to_api(tweet_fields, expansions, store.by_handle) for t in tweets.values()]
    return out


def reply_allowed(store: XStore, original: SandboxPost, replier: SandboxUser) -> bool:
    """X's rule since 2026-02-24: the original post @mentions the replier or quotes one of its posts."""
    if original.author.id == replier.id:
        return True
    if any(h.lower() == replier.username.lower() for h in original.mentions):
        return True
    quoted = store.get(original.ref("quoted") or "")
    return quoted is not None and quoted.author.id == replier.id


def create_post_checks(
    store: XStore, body: Any, author: SandboxUser, *, restrict_replies: bool
) -> tuple[str, SandboxPost | None, SandboxPost | None]:
    """Validate a ``POST /2/tweets`` body; returns (text, replied-to post, quoted post) or raises."""
    if not isinstance(body, dict):
        raise invalid("body", "", "Request body must be a JSON object")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise invalid("text", "", "The `text` field is required")
    if weighted_length(text) > 280:
        raise problem(403, "Forbidden", "Your Tweet text is too long.")
    reply_to: SandboxPost | None = None
    reply = body.get("reply")
    if reply is not None:
        target = str(reply.get("in_reply_to_tweet_id", "")) if isinstance(reply, dict) else ""
        reply_to = store.get(target)
        if reply_to is None:
            raise invalid("reply.in_reply_to_tweet_id", target, "The post you are replying to does not exist.")
        if restrict_replies and not reply_allowed(store, reply_to, author):
            raise problem(403, "Forbidden", REPLY_NOT_ALLOWED)
    quoted: SandboxPost | None = None
    if body.get("quote_tweet_id") is not None:
        quoted = store.get(str(body["quote_tweet_id"]))
        if quoted is None:
            raise invalid("quote_tweet_id", str(body["quote_tweet_id"]), "The quoted post does not exist.")
    if any(p.author.id == author.id and p.text == text for p in store.all()):
        raise problem(403, "Forbidden", DUPLICATE)
    return text, reply_to, quoted


def weighted_length(text: str) -> int:
    """Length as X counts it: every URL counts 23, other characters 1 (CJK weighting is not modelled)."""
    urls = _URL_RE.findall(text)
    return len(_URL_RE.sub("", text)) + 23 * len(urls)
