"""Surveys: written when due, sent by DM in daytime with one reminder (exactly once: claimed like nudges, and
at most one row per match, person and survey), answered one question at a time."""

from bot.services.surveys._types import StepView, SurveyDelivery, SurveyTurn
from bot.services.surveys.dispatch import SurveyChannels, SurveyDispatcher
from bot.services.surveys.ratings import gave_high_ratings
from bot.services.surveys.service import SurveyService

__all__ = ["StepView", "SurveyChannels", "SurveyDelivery", "SurveyDispatcher", "SurveyService", "SurveyTurn",
           "gave_high_ratings"]
