"""SQLModel tables. Import from here: ``from storage.models import Person, Profile, …``."""

from storage.models.audit import AuditEvent, ProgrammeCounter
from storage.models.base import utc_now
from storage.models.intake import Lead, PollCursor, SocialPost
from storage.models.matching import Match, MatchRound, PairRule
from storage.models.nudges import Nudge
from storage.models.people import OnboardingSession, Person, Profile, Programme
from storage.models.security import GuessCounter, IdentityProof

__all__ = [
    "AuditEvent",
    "GuessCounter",
    "IdentityProof",
    "Lead",
    "Match",
    "MatchRound",
    "Nudge",
    "OnboardingSession",
    "PairRule",
    "Person",
    "PollCursor",
    "Profile",
    "Programme",
    "ProgrammeCounter",
    "SocialPost",
    "utc_now",
]
