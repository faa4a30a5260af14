"""What a survey delivery and an answer turn carry between the service and the Discord side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.services.programmes import Programme
from bot.surveys.config import SurveyQuestion
from bot.surveys.flow import StepKind
from bot.voice import SurveyWords
from storage.models import NudgeKind


@dataclass(frozen=True)
class StepView:
    """One step of one person's survey, for the buttons: answers go to ``invite_id``."""

    invite_id: int
    kind: StepKind
    question: SurveyQuestion
    words: SurveyWords = field(default_factory=SurveyWords)  # the programme's labels for the buttons


@dataclass(frozen=True)
class SurveyDelivery:
    """A claimed survey or reminder, ready to send by DM (surveys are personal: never in a pair's space)."""

    nudge_id: int
    programme: Programme
    kind: NudgeKind
    text: str
    step: StepView
    attempts: int
    person_id: int
    discord_user_id: int | None
    dm_channel_id: int | None
    dms_closed: bool

    @property
    def marker(self) -> str:
        return f"ref:n{self.nudge_id}"


@dataclass(frozen=True)
class SurveyTurn:
    """What follows a click: the message now shows ``text`` with the buttons of ``step`` (None: finished), or,
    when ``status`` is ``rejected``, ``text`` is a private answer and the message stays as it is."""

    status: Literal["recorded", "unchanged", "rejected"]
    text: str
    step: StepView | None = None
