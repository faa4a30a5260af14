"""A programme's words for its surveys."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from bot.voice.words.checking import WordTable

#: The placeholders each of the survey words may use.
SURVEY_WORD_PLACEHOLDERS: dict[str, tuple[str, ...]] = {"not_an_answer": ("question",), "grouped_partner": ("count",),
                                                          "about": ("partner",)}


class SurveyWords(WordTable):
    """``[surveys]``: the words around a programme's survey questions (the questions themselves, intros and
    thanks are in its surveys). The defaults are only for a survey whose programme no longer exists."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = SURVEY_WORD_PLACEHOLDERS

    #: a click on a survey that was closed (answered in full, cancelled, or its programme gone)
    closed: str = Field(default="This survey is closed now. Thank you all the same!", min_length=1, max_length=300)
    #: someone else's survey (a forwarded message)
    not_yours: str = Field(default="This survey was sent to someone else.", min_length=1, max_length=300)
    #: the question was changed or removed since the survey went out
    changed: str = Field(default="This question has changed since the survey was sent. Thank you all the same!",
                         min_length=1, max_length=300)
    #: an answer that is not one of the question's answers ({question}: its words)
    not_an_answer: str = Field(default="That isn't one of the answers to “{question}”.", min_length=1, max_length=300)
    #: the partner's name when it is unknown (they left)
    your_partner: str = Field(default="your partner", min_length=1, max_length=60)
    #: under a written question: required / optional
    write_hint: str = Field(default="Press “Write an answer”.", min_length=1, max_length=200)
    write_or_skip_hint: str = Field(default="Press “Write an answer”, or skip it.", min_length=1, max_length=200)
    #: under an optional question answered with buttons or a menu
    optional_hint: str = Field(default="Optional: you can skip it.", min_length=1, max_length=200)
    #: the label of the form's text field for a written answer (Discord: 45 characters)
    write_label: str = Field(default="In your own words", min_length=1, max_length=45)
    #: a scale's ends when the question gives no labels
    scale_low: str = Field(default="lowest", min_length=1, max_length=40)
    scale_high: str = Field(default="highest", min_length=1, max_length=40)
    #: buttons and the menu (Discord: 80 characters a button label, 150 a menu placeholder)
    write_button: str = Field(default="Write an answer", min_length=1, max_length=45)
    skip_button: str = Field(default="Skip", min_length=1, max_length=80)
    choose: str = Field(default="Choose an answer", min_length=1, max_length=150)
    quote_yes: str = Field(default="Yes, you may quote me", min_length=1, max_length=80)
    quote_no: str = Field(default="No, keep it private", min_length=1, max_length=80)
    #: several pairings' surveys in one message (a mentor with several mentees): who the intro's {partner} is
    #: ({count}: how many) …
    grouped_partner: str = Field(default="each of the {count} people you're paired with", min_length=1,
                                 max_length=100)
    #: … and the line above the list of names, one button each
    grouped_intro: str = Field(default="There's one short survey per person — press a name below to answer "
                                       "about them:", min_length=1, max_length=300)
    #: the intro's {name} when the person's name is unknown ("Hi there")
    no_name: str = Field(default="there", min_length=1, max_length=40)
    #: above one pair's questions in a grouped survey ({partner}: the partner's name, or ``your_partner``)
    about: str = Field(default="About **{partner}**:", min_length=1, max_length=200)
