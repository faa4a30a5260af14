"""Hashtag intake: polling sources into posts and leads, replies, claim codes. (Filled in by the intake work.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.clock import Clock
from bot.services.programmes import ProgrammeRegistry
from storage.db import SessionFactory

XClientFactory = Callable[[], Any]


class IntakeService:
    def __init__(
        self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock,
        x_client_factory: XClientFactory | None,
    ) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self._x_client_factory = x_client_factory
