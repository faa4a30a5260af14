"""What a post says pre-fills the interview."""

from __future__ import annotations

import pytest

from bot.intake.suggest import Vocabulary, suggest, suggest_role

VOCAB = Vocabulary(
    phases={"primary": ["ks1", "ks2", "infant"], "secondary": ["ks3", "ks4", "high school"], "early years": ["eyfs"]},
    subjects={"maths": ["math", "mathematics"], "physics": [], "english": ["literacy"], "computing": ["computer science"]},
    extra={"career_stage": {"early career": ["ect", "nqt"], "leader": ["head of department", "hod"]}},
)


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Looking for a mentor in #EduMentoring", "mentee"),
        ("I'd love a mentor this year", "mentee"),
        ("Happy to mentor an ECT #EduMentoring", "mentor"),
        ("I can mentor someone in science", "mentor"),
        ("Looking for mentees! #EduMentoring", "mentor"),
        ("Happy to mentor, and looking for a mentor myself", "both"),
        ("Great conference today #EduMentoring", None),
        ("I'm not looking for a mentor, just sharing", None),
    ],
)
def test_role_from_post(text: str, role: str | None) -> None:
    assert suggest_role(text) == role


def test_phase_and_subjects_from_vocabulary() -> None:
    got = suggest("Looking for a mentor! Secondary maths & physics teacher, ECT #EduMentoring", VOCAB)
    assert got == {"role": "mentee", "phase": "secondary", "subjects": ["maths", "physics"], "career_stage": "early career"}


def test_synonyms_and_camel_case_hashtags_count() -> None:
    got = suggest("Happy to mentor #PrimaryTeacher #Literacy KS2", VOCAB)
    assert got["role"] == "mentor"
    assert got["phase"] == "primary"
    assert got["subjects"] == ["english"]


def test_words_must_be_whole_words() -> None:
    assert "subjects" not in suggest("I do aftermath analysis", VOCAB)


def test_nothing_to_suggest_gives_empty_dict() -> None:
    assert suggest("Hello #EduMentoring", VOCAB) == {}
    assert suggest("Looking for a mentor") == {"role": "mentee"}
