"""Surveys as data (no discord import): a programme's questionnaires, when each is due for a person, how their
answers are stepped through, and what counts as a high rating."""

from bot.surveys.config import (
    SURVEY_PLACEHOLDERS,
    SurveyConfig,
    SurveyOption,
    SurveyQuestion,
    check_surveys,
    load_survey_preset,
)

__all__ = ["SURVEY_PLACEHOLDERS", "SurveyConfig", "SurveyOption", "SurveyQuestion", "check_surveys",
           "load_survey_preset"]
