"""The check-in buttons' custom_ids: built and parsed by the button class alone, within Discord's 100 characters."""

from __future__ import annotations

import pytest

from bot.nudges.answers import CHECKIN_BUTTONS
from bot.voice import CheckinButtons
from cogs.nudges._views import NudgeAnswerButton


def test_custom_ids_round_trip_and_fit_discord() -> None:
    for button in CHECKIN_BUTTONS:
        cid = NudgeAnswerButton.build_id(button.answer, 42)
        assert cid == f"nudge:{button.answer}:42"
        assert NudgeAnswerButton.parse_id(cid) == {"answer": button.answer, "id": "42"}
    huge = NudgeAnswerButton.build_id("not_yet", 10**30)
    assert len(huge) <= 100 and NudgeAnswerButton.parse_id(huge) == {"answer": "not_yet", "id": str(10**30)}
    labels = CheckinButtons()  # a programme's voice may reword them; these are the neutral words
    assert [labels.label(b.answer) for b in CHECKIN_BUTTONS] == ["We've met", "Not yet", "We need help",
                                                                  "End this match"]


@pytest.mark.parametrize(
    "cid",
    ["onboard:next:1", "nudge:maybe:1", "nudge:met:", "nudge:met:-1", "nudge:met:1:2", "nudge:met:١٢", "nudge:met:x"],
)
def test_foreign_or_broken_custom_ids_are_not_ours(cid: str) -> None:
    assert NudgeAnswerButton.parse_id(cid) is None


def test_a_custom_id_the_class_could_not_parse_is_never_built() -> None:
    with pytest.raises(ValueError):
        NudgeAnswerButton.build_id("maybe", 1)
    with pytest.raises(ValueError):
        NudgeAnswerButton.build_id("met", 10**100)
