"""Domain services: storage + the pure core, with no discord import. Cogs receive them typed, via the bot."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.services.catch_up import CatchUp
from bot.services.circle import CircleService
from bot.services.directory import PeopleDirectory
from bot.services.dm_reach import DmReach
from bot.services.end_requests import EndRequests
from bot.services.erasure_work import ErasureWork
from bot.services.events import EventService
from bot.services.goals import GoalService
from bot.services.intake import BlueskyClientFactory, IntakeService, MastodonClientFactory, XClientFactory
from bot.services.match_end import MatchEnding
from bot.services.matching import MatchingService
from bot.services.nudges import NudgeService
from bot.services.onboarding import OnboardingService
from bot.services.organisers import OrganiserService
from bot.services.outcomes import OutcomesService
from bot.services.pair_decisions import PairDecisions
from bot.services.pauses import PauseExpiry
from bot.services.people import PeopleService
from bot.services.programmes import ProgrammeRegistry
from bot.services.rounds import RoundService
from bot.services.stats import StatsService
from bot.services.stories import StoryService
from bot.services.surveys import SurveyService
from storage.db import SessionFactory
from storage.group_commit import GroupCommit


@dataclass
class Services:
    programmes: ProgrammeRegistry
    onboarding: OnboardingService
    people: PeopleService
    intake: IntakeService
    matching: MatchingService
    nudges: NudgeService
    stats: StatsService
    organisers: OrganiserService
    ending: MatchEnding
    catch_up: CatchUp
    pairs: PairDecisions
    rounds: RoundService
    pauses: PauseExpiry
    end_requests: EndRequests
    surveys: SurveyService
    outcomes: OutcomesService
    directory: PeopleDirectory
    circle: CircleService
    events: EventService
    goals: GoalService
    stories: StoryService
    erasure_work: ErasureWork
    dm_reach: DmReach


def build_services(
    *, settings: Settings, sessions: SessionFactory, clock: Clock, x_client_factory: XClientFactory | None = None,
    bluesky_client_factory: BlueskyClientFactory | None = None,
    mastodon_client_factory: MastodonClientFactory | None = None,
) -> Services:
    registry = ProgrammeRegistry(settings, sessions, clock)
    ending = MatchEnding(registry, sessions, clock)
    writes = GroupCommit(sessions)  # people answering at the same moment share commits (SQLite)
    nudges = NudgeService(registry, sessions, clock, ending, writes)
    rounds = RoundService(sessions, clock)
    goals = GoalService(registry, sessions, clock)
    intake = IntakeService(registry, sessions, clock, x_client_factory,
                           bluesky_client_factory=bluesky_client_factory,
                           mastodon_client_factory=mastodon_client_factory)
    circle = CircleService(sessions, clock)
    erasure_work = ErasureWork(registry, sessions, clock, intake, ending)
    return Services(
        programmes=registry,
        onboarding=OnboardingService(registry, sessions, clock, writes),
        people=PeopleService(sessions, clock, nudges, ending, intake, circle, erasure_work),
        intake=intake,
        matching=MatchingService(sessions, clock, rounds),
        nudges=nudges,
        stats=StatsService(sessions, clock, rounds),
        organisers=OrganiserService(registry, sessions, clock),
        ending=ending,
        pairs=PairDecisions(sessions, clock),
        rounds=rounds,
        catch_up=CatchUp(sessions, clock),
        pauses=PauseExpiry(sessions, clock, nudges),
        end_requests=EndRequests(sessions, clock, ending),
        surveys=SurveyService(registry, sessions, clock),
        outcomes=OutcomesService(sessions, clock, goals),
        directory=PeopleDirectory(sessions),
        circle=circle,
        events=EventService(registry, sessions, clock, rounds),
        goals=goals,
        stories=StoryService(registry, sessions, clock, intake),
        erasure_work=erasure_work,
        dm_reach=DmReach(sessions, clock),
    )
