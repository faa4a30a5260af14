"""Sign-in with Discord: the OAuth2 authorization-code flow with the ``identify`` scope.

The browser goes to Discord's ``/oauth2/authorize`` (the person agrees), comes back to
``{public_url}/auth/callback?code=…&state=…``; the code is exchanged at ``/oauth2/token`` for a bearer token, and
``GET /users/@me`` with it says who signed in. The token is used once and forgotten: the dashboard keeps only
the person's Discord id in its signed session cookie. ``api_base`` is discord.py's REST base (the local Discord
in the sandbox), so the same code signs in against either.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

SCOPE = "identify"
TIMEOUT = aiohttp.ClientTimeout(total=15)


class SignInFailed(Exception):
    """Discord refused the code or could not be reached: the person is asked to try again."""


@dataclass(frozen=True)
class DiscordIdentity:
    user_id: int
    name: str


@dataclass(frozen=True)
class OAuthClient:
    api_base: str  # e.g. https://discord.com/api/v10
    client_id: int
    client_secret: str
    redirect_uri: str

    def authorize_url(self, state: str) -> str:
        query = urlencode({"client_id": str(self.client_id), "response_type": "code", "scope": SCOPE,
                           "redirect_uri": self.redirect_uri, "state": state, "prompt": "none"})
        return f"{self.api_base}/oauth2/authorize?{query}"

    async def identify(self, code: str) -> DiscordIdentity:
        """Exchange the code and ask who it belongs to."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "client_id": str(self.client_id), "client_secret": self.client_secret}
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
                async with http.post(f"{self.api_base}/oauth2/token", data=form) as resp:
                    token = await resp.json(content_type=None)
                    if resp.status != 200 or not isinstance(token, dict) or "access_token" not in token:
                        why = token.get("error_description") or token.get("error") if isinstance(token, dict) else ""
                        raise SignInFailed(f"Discord refused the sign-in ({resp.status} {why})".strip())
                headers = {"Authorization": f"Bearer {token['access_token']}"}
                async with http.get(f"{self.api_base}/users/@me", headers=headers) as resp:
                    me = await resp.json(content_type=None)
                    if resp.status != 200 or not isinstance(me, dict) or "id" not in me:
                        raise SignInFailed(f"Discord did not say who signed in ({resp.status})")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SignInFailed(f"Discord could not be reached ({type(exc).__name__})") from None
        return DiscordIdentity(int(me["id"]), str(me.get("global_name") or me.get("username") or me["id"]))
