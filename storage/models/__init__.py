"""SQLModel tables, and the statuses and kinds their rows take (one StrEnum per concept, stored as the same
strings as ever). Import from here: ``from storage.models import Person, PersonStatus, …``."""

from storage.models.audit import AuditEvent, PastMatch, ProgrammeCounter
from storage.models.base import utc_now
from storage.models.erasure_work import ErasureWork, ErasureWorkKind, ErasureWorkStatus
from storage.models.events import (
    EventAudience,
    EventKind,
    EventMessage,
    EventMessageKind,
    EventMessageStatus,
    EventRsvp,
    EventStatus,
    ProgrammeEvent,
    RsvpResponse,
)
from storage.models.intake import OPEN_LEAD_STATUSES, Lead, LeadStatus, PollCursor, ReplyClaim, SocialPost
from storage.models.matching import (
    OPEN_ANNOUNCE_STEPS,
    AnnounceStep,
    CohortRound,
    Match,
    MatchRound,
    MatchStatus,
    PairRule,
    PairRuleKind,
    PrerequisiteDone,
    RoundStatus,
    SpaceKind,
)
from storage.models.nudges import MATCH_KINDS, SURVEY_KINDS, Nudge, NudgeKind, NudgeStatus
from storage.models.outcomes import Goal, GoalProgress, Story, StoryStatus
from storage.models.people import (
    INACTIVE,
    OnboardingSession,
    OnboardingStatus,
    Person,
    PersonStatus,
    Profile,
    Programme,
)
from storage.models.security import GuessCounter, IdentityProof
from storage.models.surveys import SurveyAnswer

__all__ = [
    "EventAudience",
    "EventKind",
    "EventMessage",
    "EventMessageKind",
    "EventMessageStatus",
    "EventRsvp",
    "EventStatus",
    "ProgrammeEvent",
    "RsvpResponse",
    "CohortRound",
    "PrerequisiteDone",
    "INACTIVE",
    "MATCH_KINDS",
    "OPEN_ANNOUNCE_STEPS",
    "OPEN_LEAD_STATUSES",
    "AnnounceStep",
    "AuditEvent",
    "ErasureWork",
    "ErasureWorkKind",
    "ErasureWorkStatus",
    "Goal",
    "GoalProgress",
    "GuessCounter",
    "IdentityProof",
    "Lead",
    "LeadStatus",
    "Match",
    "MatchRound",
    "MatchStatus",
    "Nudge",
    "NudgeKind",
    "NudgeStatus",
    "OnboardingSession",
    "OnboardingStatus",
    "PairRule",
    "PairRuleKind",
    "PastMatch",
    "Person",
    "PersonStatus",
    "PollCursor",
    "ReplyClaim",
    "Profile",
    "Programme",
    "ProgrammeCounter",
    "RoundStatus",
    "SocialPost",
    "SpaceKind",
    "SURVEY_KINDS",
    "SurveyAnswer",
    "Story",
    "StoryStatus",
    "utc_now",
]
