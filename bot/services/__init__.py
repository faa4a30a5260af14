"""Domain services: storage + the pure core, with no discord import. Cogs receive them typed, via the bot."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.services.intake import IntakeService, XClientFactory
from bot.services.matching import MatchingService
from bot.services.onboarding import OnboardingService
from bot.services.people import PeopleService
from bot.services.programmes import ProgrammeRegistry
from storage.db import SessionFactory


@dataclass
class Services:
    programmes: ProgrammeRegistry
    onboarding: OnboardingService
    people: PeopleService
    intake: IntakeService
    matching: MatchingService


def build_services(
    *, settings: Settings, sessions: SessionFactory, clock: Clock, x_client_factory: XClientFactory | None = None
) -> Services:
    registry = ProgrammeRegistry(settings, sessions)
    return Services(
        programmes=registry,
        onboarding=OnboardingService(registry, sessions, clock),
        people=PeopleService(sessions, clock),
        intake=IntakeService(registry, sessions, clock, x_client_factory),
        matching=MatchingService(sessions, clock),
    )
