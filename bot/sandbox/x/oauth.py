"""OAuth 1.0a as X checks it (RFC 5849 §3.4, HMAC-SHA1): the local X rebuilds the signature base string
from the request's method, its URL on ``https://api.twitter.com`` (the client signed that address; the
local server only sees it rewritten), the query and form-body parameters and the ``oauth_*`` parameters
of the ``Authorization`` header, and compares the signature. A JSON body is not signed (RFC 5849 §3.4.1.3.1:
only ``application/x-www-form-urlencoded`` bodies are).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote

SIGNED_HOST = "https://api.twitter.com"
_PARAM_RE = re.compile(r'([\w.-]+)="([^"]*)"')
__all__ = ["OAuthCheck", "base_string", "parse_header", "percent_encode", "sign", "verify"]


def percent_encode(text: str) -> str:
    """RFC 5849 §3.6: everything but ALPHA / DIGIT / ``-._~`` is %XX-encoded (UTF-8)."""
    return quote(text, safe="~")


def parse_header(header: str) -> dict[str, str]:
    """The parameters of an ``Authorization: OAuth k="v", …`` header, decoded (``realm`` dropped)."""
    if not header.startswith("OAuth "):
        return {}
    return {k: unquote(v) for k, v in _PARAM_RE.findall(header[6:]) if k != "realm"}


def base_string(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1: ``METHOD&encoded(base URI)&encoded(normalized parameters)``; parameters are
    encoded, sorted by name then value, joined ``name=value`` with ``&``."""
    pairs = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join((method.upper(), percent_encode(url), percent_encode(normalized)))


def sign(base: str, consumer_secret: str, token_secret: str) -> str:
    """HMAC-SHA1 of the base string with key ``encoded(consumer secret)&encoded(token secret)``, base64."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()


@dataclass(frozen=True)
class OAuthCheck:
    """The outcome of :func:`verify`: ``ok``, or why not (X answers 401 for each)."""

    ok: bool
    reason: str = ""


def verify(
    *,
    method: str,
    path: str,
    raw_query: str,
    form_body: str | None,
    header: str,
    credentials: Mapping[str, str],
    seen_nonces: set[tuple[str, str]],
    now: float,
    max_skew: float = 300.0,
) -> OAuthCheck:
    """Check an OAuth 1.0a user-context request against the bot's four keys, as X does: the consumer key
    and access token must be the app's, the method HMAC-SHA1, the timestamp within ``max_skew`` seconds
    of ``now``, the (timestamp, nonce) pair unused, and the signature that of the secrets."""
    fields = parse_header(header)
    missing = [k for k in ("oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_timestamp",
                           "oauth_nonce", "oauth_signature") if not fields.get(k)]
    if missing:
        return OAuthCheck(False, f"missing {', '.join(missing)}")
    if fields["oauth_consumer_key"] != credentials.get("consumer_key"):
        return OAuthCheck(False, "unknown consumer key")
    if fields["oauth_token"] != credentials.get("access_token"):
        return OAuthCheck(False, "unknown access token")
    if fields["oauth_signature_method"] != "HMAC-SHA1":
        return OAuthCheck(False, f"unsupported signature method {fields['oauth_signature_method']}")
    if not fields["oauth_timestamp"].isdigit() or abs(int(fields["oauth_timestamp"]) - now) > max_skew:
        return OAuthCheck(False, "timestamp out of bounds")
    nonce = (fields["oauth_timestamp"], fields["oauth_nonce"])
    if nonce in seen_nonces:
        return OAuthCheck(False, "nonce already used")
    params = [(k, v) for k, v in fields.items() if k != "oauth_signature"]
    params += parse_qsl(raw_query, keep_blank_values=True)
    if form_body:
        params += parse_qsl(form_body, keep_blank_values=True)
    expected = sign(base_string(method, SIGNED_HOST + path, params), credentials.get("consumer_secret", ""),
                    credentials.get("access_token_secret", ""))
    if not hmac.compare_digest(expected, fields["oauth_signature"]):
        return OAuthCheck(False, "signature does not match")
    seen_nonces.add(nonce)
    return OAuthCheck(True)
