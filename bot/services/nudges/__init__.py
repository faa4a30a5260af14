"""Nudges, persisted: plans written as rows, claimed when due, prepared for sending, answers followed up."""

from bot.services.match_end import EndedMatch
from bot.services.nudges._types import (
    DISPATCH_KINDS,
    MATCH_KINDS,
    AnswerResult,
    Delivery,
    PairAtRisk,
    PartnerPrompt,
    has_marker,
    marker,
    organiser_text,
)
from bot.services.nudges.service import NudgeService

__all__ = [
    "DISPATCH_KINDS",
    "MATCH_KINDS",
    "AnswerResult",
    "Delivery",
    "EndedMatch",
    "NudgeService",
    "PairAtRisk",
    "PartnerPrompt",
    "has_marker",
    "marker",
    "organiser_text",
]
