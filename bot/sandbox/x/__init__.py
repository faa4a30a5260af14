"""A local X API v2 for the demo and the tests: :class:`SandboxX` plus the glue that points the real tweepy
``AsyncClient`` at it (:func:`connect_async_client`, :func:`make_tweepy_session`)."""

from __future__ import annotations

from bot.sandbox.x.connect import connect_async_client, make_tweepy_session
from bot.sandbox.x.limits import Fault, Faults
from bot.sandbox.x.model import SandboxPost, SandboxUser, snowflake_for, snowflake_time
from bot.sandbox.x.query import QueryError, parse_query
from bot.sandbox.x.server import RequestRecord, SandboxX

__all__ = [
    "Fault",
    "Faults",
    "QueryError",
    "RequestRecord",
    "SandboxPost",
    "SandboxUser",
    "SandboxX",
    "connect_async_client",
    "make_tweepy_session",
    "parse_query",
    "snowflake_for",
    "snowflake_time",
]
