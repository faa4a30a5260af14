"""Signed cookies: the organiser's session (who signed in, their CSRF token, until when) and the OAuth2 ``state``.

A value is ``base64url(json) "." base64url(hmac_sha256(secret, purpose + payload))``: tamper with a byte and it
is refused. The secret is ``DASHBOARD_SESSION_SECRET`` (a ``SecretStr``, never logged). The cookies are
``HttpOnly``, ``SameSite=Lax`` and ``Secure`` when the dashboard's public address is https.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SESSION_COOKIE = "mentorbot_session"
STATE_COOKIE = "mentorbot_oauth_state"
STATE_TTL = timedelta(minutes=10)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode("utf-8")).digest()

    def _mac(self, purpose: str, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{purpose}:{payload}".encode(), hashlib.sha256).digest())

    def sign(self, purpose: str, data: dict[str, Any]) -> str:
        payload = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{payload}.{self._mac(purpose, payload)}"

    def unsign(self, purpose: str, value: str | None) -> dict[str, Any] | None:
        """The data, or None when the value is missing, forged or for another purpose."""
        if not value or value.count(".") != 1:
            return None
        payload, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac(purpose, payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Session:
    """A signed-in person: their Discord id and name, the CSRF token of their forms, and the expiry."""

    user_id: int
    name: str
    csrf: str
    expires: datetime
    flash: str = ""

    @classmethod
    def new(cls, user_id: int, name: str, now: datetime, hours: int) -> Session:
        return cls(user_id, name, secrets.token_urlsafe(24), now + timedelta(hours=hours))

    def dump(self) -> dict[str, Any]:
        return {"u": str(self.user_id), "n": self.name, "c": self.csrf, "e": int(self.expires.timestamp()),
                "f": self.flash}

    @classmethod
    def load(cls, data: dict[str, Any] | None, now: datetime) -> Session | None:
        if data is None:
            return None
        try:
            expires = datetime.fromtimestamp(int(data["e"]), tz=now.tzinfo)
            session = cls(int(data["u"]), str(data["n"]), str(data["c"]), expires, str(data.get("f", "")))
        except (KeyError, TypeError, ValueError):
            return None
        return session if session.expires > now and session.csrf else None

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf)
