"""The local Discord's OAuth2 authorization-code flow: ``/oauth2/authorize`` (a consent page), ``/oauth2/token``
and bearer tokens for ``GET /users/@me`` (scope ``identify``).

Discord's OpenAPI document describes these two addresses only as its ``OAuth2`` security scheme's
``authorizationUrl`` and token URL (``https://discord.com/api/oauth2/authorize`` and ``…/oauth2/token``); the
routes read them from the document, so they move if it does. What they answer follows Discord's OAuth2
documentation: the token endpoint takes a form-encoded body (``grant_type=authorization_code``, ``code``,
``redirect_uri``, the client's id and secret in the body or as HTTP Basic) and answers
``{access_token, token_type: "Bearer", expires_in, refresh_token, scope}``; errors are RFC 6749's
``{"error": …, "error_description": …}``.

The consent page stands in for "Authorize <app>?" in a Discord client: whoever is signed in to the local
Discord in that browser picks their account (a test browser picks a persona; the demo pre-selects its
organiser, :attr:`OAuth2.signed_in`) and presses *Authorize*.
"""

from __future__ import annotations

import base64
import html
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from aiohttp import web

if TYPE_CHECKING:
    from .server import SandboxDiscord

CODE_TTL = timedelta(minutes=10)
TOKEN_TTL = timedelta(days=7)
SCOPES = ("identify",)


@dataclass
class Grant:
    user_id: int
    scopes: tuple[str, ...]
    redirect_uri: str
    expires_at: datetime


class OAuth2:
    """Authorization codes and bearer tokens of the sandbox's one application."""

    def __init__(self, sandbox: SandboxDiscord, client_secret: str) -> None:
        self.sandbox = sandbox
        self.client_secret = client_secret
        self.codes: dict[str, Grant] = {}
        self.tokens: dict[str, Grant] = {}
        #: the user "signed in to the local Discord" in the browser: the consent page selects them
        self.signed_in: int | None = None
        self.authorize_path, self.token_path = oauth2_paths(sandbox)

    # ---- the routes ------------------------------------------------------------------------------------
    def add_routes(self, app: web.Application, api_prefix: str) -> None:
        for prefix in ("/api", api_prefix):  # Discord answers with and without the version
            app.router.add_get(prefix + self.authorize_path, self.consent_page)
            app.router.add_post(prefix + self.authorize_path, self.consent)
            app.router.add_post(prefix + self.token_path, self.token)

    def _problem(self, query: dict[str, str]) -> str | None:
        if query.get("client_id") != str(self.sandbox.application_id):
            return "Unknown application (client_id)."
        if query.get("response_type") != "code":
            return "Only response_type=code is supported."
        scopes = tuple(query.get("scope", "").split())
        if not scopes or any(s not in SCOPES for s in scopes):
            return f"Invalid scope {query.get('scope', '')!r}."
        uri = urlsplit(query.get("redirect_uri", ""))
        if uri.scheme not in ("http", "https") or not uri.hostname:
            return "Invalid OAuth2 redirect_uri."
        return None

    async def consent_page(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        problem = self._problem(query)
        if problem:
            return web.Response(status=400, text=problem)
        people = [u for u in self.sandbox.state.users.values() if not u.bot]
        options = "".join(
            f'<option value="{u.id}"{" selected" if u.id == self.signed_in else ""}>'
            f"{html.escape(u.global_name or u.username)} (@{html.escape(u.username)})</option>" for u in people)
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in query.items())
        app = html.escape(self.sandbox.bot_user.username)
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Authorize {app} · local Discord</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem">
<h1>{app} wants to access your account</h1>
<p>This is the local Discord (the sandbox). It will let {app} know your username (scope: identify).</p>
<form method="post">{hidden}
<label for="user_id">Signed in as</label>
<select id="user_id" name="user_id">{options}</select>
<p><button type="submit" name="decision" value="authorize">Authorize</button>
<button type="submit" name="decision" value="cancel">Cancel</button></p>
</form></body></html>"""
        return web.Response(text=page, content_type="text/html")

    async def consent(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        problem = self._problem(form)
        if problem:
            return web.Response(status=400, text=problem)
        redirect = form["redirect_uri"]
        back = {"state": form["state"]} if "state" in form else {}
        if form.get("decision") != "authorize":
            raise web.HTTPFound(_with_query(redirect, {"error": "access_denied",
                                                       "error_description": "The resource owner denied the request",
                                                       **back}))
        try:
            user = self.sandbox.state.user(int(form.get("user_id", "0")))
        except (KeyError, ValueError):
            return web.Response(status=400, text="No such user.")
        code = secrets.token_urlsafe(24)
        self.codes[code] = Grant(user.id, tuple(form["scope"].split()), redirect,
                                 self.sandbox.clock.now() + CODE_TTL)
        raise web.HTTPFound(_with_query(redirect, {"code": code, **back}))

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            except ValueError:
                return _error(401, "invalid_client", "Malformed Basic credentials")
        if client_id != str(self.sandbox.application_id) or not secret \
                or not secrets.compare_digest(secret, self.client_secret):
            return _error(401, "invalid_client", "Invalid client credentials")
        if form.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "Only authorization_code is supported here")
        grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or grant.expires_at < self.sandbox.clock.now():
            return _error(400, "invalid_grant", 'Invalid "code" in request.')
        if form.get("redirect_uri") != grant.redirect_uri:
            return _error(400, "invalid_grant", 'Invalid "redirect_uri" in request.')
        access = secrets.token_urlsafe(30)
        self.tokens[access] = Grant(grant.user_id, grant.scopes, grant.redirect_uri,
                                    self.sandbox.clock.now() + TOKEN_TTL)
        return web.json_response({"access_token": access, "token_type": "Bearer",
                                  "expires_in": int(TOKEN_TTL.total_seconds()),
                                  "refresh_token": secrets.token_urlsafe(30), "scope": " ".join(grant.scopes)})

    # ---- bearer tokens on the REST API -------------------------------------------------------------------
    def bearer_user(self, authorization: str | None, scope: str) -> int | None:
        """The user a ``Bearer`` token was granted by, when it is live and carries ``scope``."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        grant = self.tokens.get(authorization[7:])
        if grant is None or grant.expires_at < self.sandbox.clock.now() or scope not in grant.scopes:
            return None
        return grant.user_id


def oauth2_paths(sandbox: SandboxDiscord) -> tuple[str, str]:
    """The authorization and token paths (under ``/api``) of the document's ``OAuth2`` security scheme."""
    scheme = sandbox.spec.document["components"]["securitySchemes"]["OAuth2"]["flows"]
    flow = next(iter(scheme.values()))
    authorize = urlsplit(flow["authorizationUrl"]).path
    token = urlsplit(flow.get("tokenUrl") or flow["refreshUrl"]).path
    return authorize.removeprefix("/api"), token.removeprefix("/api")


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)
