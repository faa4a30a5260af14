"""Surveys: written when due (again after a pause), sent in daytime with one reminder by the shared exactly-once
dispatcher (:mod:`bot.services.scheduled_dms`; at most one row per match, person and survey; one message per
person per moment; closed DMs reach a private thread), answered one question at a time."""

from bot.services.surveys._types import StepView, SurveyDelivery, SurveySection, SurveyTurn
from bot.services.surveys.dispatch import SurveyChannels, SurveyDispatcher
from bot.services.surveys.ratings import gave_high_ratings
from bot.services.surveys.service import SurveyService

__all__ = ["StepView", "SurveyChannels", "SurveyDelivery", "SurveyDispatcher", "SurveySection", "SurveyService",
           "SurveyTurn",
           "gave_high_ratings"]
