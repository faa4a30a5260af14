"""The buttons that open a form (the goals, a story) name the programme in their custom_id, so the form opens with
no database read; a button sent before they did still parses."""

from __future__ import annotations

import pytest

from cogs.kit.goals import GoalsWriteButton
from cogs.stories._views import StoryWriteButton


@pytest.mark.parametrize("button", [GoalsWriteButton, StoryWriteButton])
def test_a_form_button_names_its_programme_and_one_sent_before_it_did_still_parses(
        button: type[GoalsWriteButton] | type[StoryWriteButton]) -> None:
    first = button.fields[0]
    cid = button.build_id(12, 3)
    assert cid == f"{button.prefix}:12:3"
    assert button.parse_id(cid) == {first: "12", "programme": "3"}
    assert button.parse_id(f"{button.prefix}:12") == {first: "12", "programme": None}, "an old button is not ours"
    assert button.build_id(12, None) == f"{button.prefix}:12"
    huge = button.build_id(10**19, 10**19)
    assert len(huge) <= 100 and button.parse_id(huge) == {first: str(10**19), "programme": str(10**19)}


@pytest.mark.parametrize("cid", ["goals:write:", "goals:write:1:", "goals:write:1:2:3", "goals:write:1:x",
                                 "goals:write::2", "goals:writes:1"])
def test_broken_form_custom_ids_are_not_ours(cid: str) -> None:
    assert GoalsWriteButton.parse_id(cid) is None


def test_a_form_custom_id_the_class_could_not_parse_is_never_built() -> None:
    with pytest.raises(ValueError):
        GoalsWriteButton.build_id(1, 2, 3)
    with pytest.raises(ValueError):
        GoalsWriteButton.build_id(1, "x")
