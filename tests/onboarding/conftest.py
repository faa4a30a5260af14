from __future__ import annotations

import pytest

from bot.onboarding.questions import Question, QuestionsConfig, build_questions


@pytest.fixture
def edu() -> list[Question]:
    return build_questions(QuestionsConfig(preset="edumentoring"))
