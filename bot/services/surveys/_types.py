"""What a survey delivery and an answer turn carry between the service and the Discord side."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    programme_id: int = 0  # whose words the form opened from a button uses (0: the neutral ones)


@dataclass(frozen=True)
class SurveySection:
    """One pairing's survey in a person's one message of a moment: answered from its own button."""

    nudge_id: int
    invite_id: int
    partner: str


@dataclass(frozen=True)
class SurveyDelivery:
    """A claimed survey or reminder, ready to send by DM. Surveys are personal: with DMs closed it goes to a
    private thread only the person (and the organisers) can see, never to a pair's shared space."""

    nudge_id: int
    programme: Programme
    kind: NudgeKind
    text: str
    step: StepView | None
    attempts: int
    person_id: int
    discord_user_id: int | None
    dm_channel_id: int | None
    dms_closed: bool
    partner: str = "your partner"
    #: the person's pair space: their private thread is opened beside it (None: in the onboarding channel)
    space_id: int | None = None
    #: several pairings' surveys of one moment in one message (``nudge_id`` is the first's)
    batch: tuple[SurveySection, ...] = ()
    #: (nudge id, attempt) of every row this delivery sends, as claimed (one for a single survey)
    claims: tuple[tuple[int, int], ...] = ()

    @property
    def marker(self) -> str:
        return f"ref:n{self.nudge_id}"

    @property
    def markers(self) -> str:
        return " ".join(f"ref:n{nid}" for nid, _ in self.held)

    @property
    def held(self) -> tuple[tuple[int, int], ...]:
        return self.claims or ((self.nudge_id, self.attempts),)

    @property
    def grouped(self) -> bool:
        return bool(self.batch)

    def only(self, row_ids: set[int]) -> SurveyDelivery:
        if not self.batch:
            return self
        batch = tuple(s for s in self.batch if s.nudge_id in row_ids)
        return replace(self, nudge_id=batch[0].nudge_id, batch=batch,
                       claims=tuple(c for c in self.held if c[0] in row_ids))


@dataclass(frozen=True)
class SurveyTurn:
    """What follows a click: the message now shows ``text`` with the buttons of ``step`` (None: finished), or,
    when ``status`` is ``rejected``, ``text`` is a private answer and the message stays as it is."""

    status: Literal["recorded", "unchanged", "rejected"]
    text: str
    step: StepView | None = None
