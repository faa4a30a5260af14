"""Point the real tweepy AsyncClient at the local X.

tweepy hard-codes ``https://api.twitter.com`` in ``AsyncBaseClient.request`` and has no base-URL option,
but it uses whatever ``aiohttp.ClientSession`` is assigned to ``client.session``. We give it a session with
one aiohttp client middleware (aiohttp >= 3.12) that rewrites the scheme/host/port of requests for
api.twitter.com to the local server, keeping path and the already-encoded query (the OAuth 1.0a signature
is computed over the original URL; the sandbox checks it against that URL). Everything else — parameter
encoding, auth headers, status → exception mapping, JSON → Tweet/User parsing — is tweepy's own code.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from yarl import URL

X_HOST = "api.twitter.com"


def _rewrite_middleware(base_url: str) -> Any:
    base = URL(base_url)
    host = base.host
    port = base.port
    if host is None:
        raise ValueError(f"base_url needs a host: {base_url!r}")

    async def rewrite(req: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> aiohttp.ClientResponse:
        if req.url.host == X_HOST:
            req.url = URL.build(
                scheme=base.scheme,
                host=host,
                port=port,
                path=req.url.raw_path,
                query_string=req.url.raw_query_string,
                encoded=True,
            )
            req.headers["Host"] = f"{host}:{port}" if port else host
        return await handler(req)

    return rewrite


def make_tweepy_session(base_url: str, **session_kwargs: Any) -> aiohttp.ClientSession:
    """An ``aiohttp.ClientSession`` that sends requests for https://api.twitter.com to ``base_url``.

    Must be created inside a running event loop; the caller closes it."""
    middlewares = (*session_kwargs.pop("middlewares", ()), _rewrite_middleware(base_url))
    return aiohttp.ClientSession(middlewares=middlewares, **session_kwargs)


def connect_async_client(client: Any, base_url: str, **session_kwargs: Any) -> aiohttp.ClientSession:
    """Give a ``tweepy.asynchronous.AsyncClient`` a session pointed at ``base_url``; returns that session
    (the caller closes it, e.g. ``await client.session.close()``)."""
    session = make_tweepy_session(base_url, **session_kwargs)
    client.session = session
    return session
