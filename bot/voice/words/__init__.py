"""Each feature's words in a programme's voice — surveys, the interview, answers asked again, goals, stories,
events, /link, errors, the profile commands, check-in buttons and check-in words — with the placeholders each text may use, checked as
the config loads (an error names the key). :class:`bot.voice.Voice` holds one table of each."""

from __future__ import annotations

from bot.voice.words.answers import ANSWER_PLACEHOLDERS, AnswerWords
from bot.voice.words.checking import STRICT
from bot.voice.words.checkins import CHECKIN_PLACEHOLDERS, CheckinButtons, CheckinWords
from bot.voice.words.errors import ERROR_PLACEHOLDERS, ErrorWords
from bot.voice.words.events import EVENT_PLACEHOLDERS, EventWords
from bot.voice.words.goals import GOAL_PLACEHOLDERS, GoalWords
from bot.voice.words.interview import INTERVIEW_PLACEHOLDERS, InterviewWords
from bot.voice.words.link import LINK_PLACEHOLDERS, LinkWords
from bot.voice.words.profile import PROFILE_PLACEHOLDERS, ProfileWords
from bot.voice.words.stories import STORY_PLACEHOLDERS, StoryWords
from bot.voice.words.surveys import SURVEY_WORD_PLACEHOLDERS, SurveyWords

__all__ = [
    "ANSWER_PLACEHOLDERS", "CHECKIN_PLACEHOLDERS", "ERROR_PLACEHOLDERS", "EVENT_PLACEHOLDERS", "GOAL_PLACEHOLDERS", "INTERVIEW_PLACEHOLDERS", "LINK_PLACEHOLDERS",
    "PROFILE_PLACEHOLDERS", "STORY_PLACEHOLDERS", "STRICT", "SURVEY_WORD_PLACEHOLDERS", "AnswerWords",
    "CheckinButtons", "CheckinWords", "ErrorWords", "EventWords", "GoalWords", "InterviewWords", "LinkWords", "ProfileWords", "StoryWords", "SurveyWords"
]
