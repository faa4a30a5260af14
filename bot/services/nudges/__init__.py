"""Nudges, persisted: plans written as rows, claimed when due, prepared for sending (:class:`NudgeService`);
answers followed up (:class:`CheckInAnswers`); pairs at risk and the weekly digest (:class:`PairRisk`)."""

from bot.services.match_end import EndedMatch
from bot.services.nudges._answers import CheckInAnswers
from bot.services.nudges._risk import PairRisk
from bot.services.nudges._types import (
    DISPATCH_KINDS,
    AnswerResult,
    Delivery,
    PairAtRisk,
    PartnerPrompt,
    has_marker,
    marker,
    markers_in,
    organiser_text,
)
from bot.services.nudges.service import NudgeService

__all__ = [
    "DISPATCH_KINDS",
    "AnswerResult",
    "CheckInAnswers",
    "Delivery",
    "EndedMatch",
    "NudgeService",
    "PairAtRisk",
    "PairRisk",
    "PartnerPrompt",
    "has_marker",
    "marker",
    "markers_in",
    "organiser_text",
]
