"""REST v10 routes of the local Discord, one module per area."""

from __future__ import annotations

from ..router import Router
from . import channels, commands, events, guilds, interactions, users


def build_router() -> Router:
    router = Router()
    for module in (users, guilds, channels, commands, interactions, events):
        module.register(router)
    return router
