from __future__ import annotations

from datetime import date

import pytest

from bot.onboarding.questions import Option, Question
from bot.onboarding.validate import Choose, Invalid, Ok, check_value, parse_answer, show_value

ROLE = Question(key="role", kind="single", prompt="Role?", options=[
    Option(value="mentor", label="Mentor"), Option(value="mentee", label="Mentee"), Option(value="both", label="Both")])
GOALS = Question(key="goals", kind="multi", prompt="Goals?", min_choices=1, max_choices=3, options=[
    Option(value=v, label=v.title()) for v in ["behaviour", "planning", "send", "leadership", "wellbeing"]])
ART = Question(key="subjects", kind="multi", prompt="Subjects?", options=[
    Option(value="art", label="Art & design"), Option(value="maths", label="Maths"),
    Option(value="dt", label="Design & technology")])
CAP = Question(key="capacity", kind="number", prompt="How many?", min_value=1, max_value=5)
TZ = Question(key="timezone", kind="timezone", prompt="Where?")
ORG = Question(key="organisation", kind="text", prompt="Org?", required=False, max_length=20)
BIO = Question(key="bio", kind="text", prompt="Bio?", max_length=50)
CONSENT = Question(key="consent", kind="consent", prompt="Agree?")


@pytest.mark.parametrize("raw", ["mentor", "Mentor", " MENTOR! ", "1", ["mentor"]])
def test_single_choice_accepts_value_label_or_number(raw: str | list[str]) -> None:
    assert parse_answer(ROLE, raw) == Ok("mentor")


@pytest.mark.parametrize("raw", ["teacher", "", "4", ["mentor", "mentee"], "skip"])
def test_single_choice_refusal_lists_the_options(raw: str | list[str]) -> None:
    result = parse_answer(ROLE, raw)
    assert isinstance(result, Invalid)
    assert "Mentor, Mentee, Both" in result.message


def test_multi_choice_from_select_and_from_typed_text() -> None:
    assert parse_answer(GOALS, ["planning", "behaviour"]) == Ok(["behaviour", "planning"])
    assert parse_answer(GOALS, "Planning, SEND and wellbeing") == Ok(["planning", "send", "wellbeing"])
    assert parse_answer(GOALS, "behaviour; behaviour") == Ok(["behaviour"])
    assert parse_answer(GOALS, "1, 2") == Ok(["behaviour", "planning"])


def test_multi_choice_labels_with_ampersands_survive_splitting() -> None:
    assert parse_answer(ART, "Art & design, maths") == Ok(["art", "maths"])
    assert parse_answer(ART, "maths and art") == Ok(["art", "maths"])


def test_multi_choice_count_is_enforced_with_a_clear_message() -> None:
    too_many = parse_answer(GOALS, ["behaviour", "planning", "send", "wellbeing"])
    assert isinstance(too_many, Invalid)
    assert "Please pick between 1 and 3 options" in too_many.message
    assert isinstance(parse_answer(GOALS, []), Invalid)


def test_multi_choice_names_the_unknown_words() -> None:
    result = parse_answer(GOALS, "planning, juggling")
    assert isinstance(result, Invalid)
    assert "'juggling'" in result.message


@pytest.mark.parametrize(("raw", "value"), [("3", 3), (" 5 ", 5), ("three", 3), ("2 mentees", 2), (["1"], 1)])
def test_number_in_range(raw: str | list[str], value: int) -> None:
    assert parse_answer(CAP, raw) == Ok(value)


@pytest.mark.parametrize("raw", ["0", "6", "2.5", "lots", "2 or 3", "", "-1", "9" * 400])
def test_number_out_of_range_says_what_is_expected(raw: str) -> None:
    result = parse_answer(CAP, raw)
    assert isinstance(result, Invalid)
    assert "Type a whole number from 1 to 5" in result.message


def test_timezone_exact_is_confirmed_back_with_offset() -> None:
    result = parse_answer(TZ, "London", today=date(2025, 7, 1))
    assert result == Ok("Europe/London", "Europe/London (UTC+1 today)")


def test_timezone_ambiguous_offers_choices_then_accepts_a_number_or_a_zone() -> None:
    result = parse_answer(TZ, "IST")
    assert isinstance(result, Choose)
    assert result.choices[0] == "Asia/Kolkata"
    assert isinstance(parse_answer(TZ, "2", pending=result.choices), Ok)
    assert parse_answer(TZ, "2", pending=result.choices).value == "Europe/Dublin"  # type: ignore[union-attr]
    assert parse_answer(TZ, "Asia/Jerusalem", pending=result.choices) == Ok("Asia/Jerusalem", "Asia/Jerusalem")


def test_timezone_unknown_suggests_a_city_or_offset() -> None:
    result = parse_answer(TZ, "the moon")
    assert isinstance(result, Invalid)
    assert "a city like 'London' or an offset like 'UTC+2'" in result.message


def test_optional_text_may_be_empty_and_is_cleaned() -> None:
    assert parse_answer(ORG, "") == Ok("")
    assert parse_answer(ORG, "  Oak   Academy \n") == Ok("Oak Academy")
    assert parse_answer(ORG, "Ecole\u202e evil") == Ok("Ecole evil")


def test_text_longer_than_the_limit_is_refused_with_the_count() -> None:
    result = parse_answer(ORG, "x" * 25)
    assert isinstance(result, Invalid)
    assert "20 characters or fewer" in result.message and "25" in result.message


def test_required_text_cannot_be_empty() -> None:
    assert isinstance(parse_answer(BIO, "   "), Invalid)


def test_text_keeps_emoji_markdown_and_non_latin_names_as_typed() -> None:
    for text in ["李小龙学校", "محمد", "Zoë 👩🏽‍💻", "**bold** @everyone"]:
        assert parse_answer(BIO, text) == Ok(text)


@pytest.mark.parametrize(("raw", "value"), [("yes", True), ("Yes", True), ("I agree", True), ("👍", True),
                                             ("no", False), ("No thanks", False)])
def test_consent_yes_no(raw: str, value: bool) -> None:
    assert parse_answer(CONSENT, raw) == Ok(value)


def test_consent_needs_a_yes_or_no() -> None:
    for raw in ["", "maybe", "skip"]:
        result = parse_answer(CONSENT, raw)
        assert isinstance(result, Invalid)
        assert "Yes or No" in result.message


def test_garbage_types_are_refused_not_crashed_on() -> None:
    for q in [ROLE, GOALS, CAP, TZ, ORG, CONSENT]:
        for raw in [None, 3, {"a": 1}, [1, 2], b"bytes"]:
            assert isinstance(parse_answer(q, raw), Invalid)


def test_check_value_and_show_value() -> None:
    assert check_value(ROLE, "mentor") is None
    assert check_value(ROLE, "boss") is not None
    assert check_value(CAP, True) is not None
    assert check_value(TZ, "Mars/Olympus") is not None
    assert show_value(GOALS, ["send", "planning"]) == "Send, Planning"
    assert show_value(CONSENT, True) == "Yes"
    assert show_value(ORG, "") == "—"


def test_refusals_never_echo_pings_or_markdown() -> None:
    result = parse_answer(GOALS, "planning, @everyone **now**")
    assert isinstance(result, Invalid)
    assert "@everyone" not in result.message and "**" not in result.message
