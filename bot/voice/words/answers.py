"""A programme's words when an interview answer is asked again (each says what a valid answer is), and when an
answer or a click comes out of turn (finished already, not the question on screen)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from bot.nudges.templates import template_fields
from bot.voice.words.checking import WordTable

#: The placeholders each of the answer checks' words may use (and that the checks always fill).
ANSWER_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "pick_one": ("options",),
    "pick_exactly_one": ("options",),
    "pick_exactly": ("count", "options"),
    "pick_at_least_one": ("options",),
    "pick_any": ("options",),
    "pick_up_to": ("count", "options"),
    "pick_between": ("low", "high", "options"),
    "number_range": ("low", "high"),
    "text_length": ("count",),
    "not_recognised": ("answer",),
    "above_most": ("answer", "count"),
    "below_fewest": ("answer", "count"),
    "zone_ambiguous": ("answer",),
    "keep_short": ("count", "length"),
    "another_look": ("problems",),
    "answered_before": ("question",),
}

#: The placeholders the words saying what is expected must use: a re-ask always says what a valid answer is.
ANSWER_NEEDS: dict[str, tuple[str, ...]] = {
    "pick_one": ("options",), "pick_exactly_one": ("options",), "pick_exactly": ("count", "options"),
    "pick_at_least_one": ("options",), "pick_any": ("options",), "pick_up_to": ("count", "options"),
    "pick_between": ("low", "high", "options"), "number_range": ("low", "high"), "text_length": ("count",),
    "keep_short": ("count",),
}


class AnswerWords(WordTable):
    """``[answers]``: what a typed or picked interview answer is told when it cannot be taken: the reason, then
    what is expected (each re-ask says both). The defaults are the neutral ones."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = ANSWER_PLACEHOLDERS

    #: what is expected: one option ({options}: their labels), several (exactly {count}, at least one, any, up
    #: to {count}, between {low} and {high}), the options when too many to list
    pick_one: str = Field(default="Please pick one of: {options}.", min_length=1, max_length=300)
    pick_exactly_one: str = Field(default="Please pick exactly 1 option from: {options}.", min_length=1,
                                  max_length=300)
    pick_exactly: str = Field(default="Please pick exactly {count} options from: {options}.", min_length=1,
                              max_length=300)
    pick_at_least_one: str = Field(default="Please pick at least one option from: {options}.", min_length=1,
                                   max_length=300)
    pick_any: str = Field(default="Please pick any of the options from: {options}.", min_length=1, max_length=300)
    pick_up_to: str = Field(default="Please pick up to {count} options from: {options}.", min_length=1,
                            max_length=300)
    pick_between: str = Field(default="Please pick between {low} and {high} options from: {options}.",
                              min_length=1, max_length=300)
    options_in_menu: str = Field(default="the options in the menu", min_length=1, max_length=100)
    #: … a number from {low} to {high}, a time zone, a text of at most {count} characters, yes or no
    number_range: str = Field(default="Type a whole number from {low} to {high}.", min_length=1, max_length=300)
    timezone_hint: str = Field(default="Type a city like 'London' or an offset like 'UTC+2'.", min_length=1,
                               max_length=300)
    text_length: str = Field(default="Please type your answer in {count} characters or fewer.", min_length=1,
                             max_length=300)
    yes_or_no: str = Field(default="Please answer Yes or No.", min_length=1, max_length=300)
    #: the reasons, each followed by what is expected
    too_long: str = Field(default="That's too long.", min_length=1, max_length=200)
    cant_skip: str = Field(default="This one can't be skipped.", min_length=1, max_length=200)
    just_one: str = Field(default="Please pick just one option.", min_length=1, max_length=200)
    #: {answer}: the words not recognised, quoted
    not_recognised: str = Field(default="I don't recognise {answer}.", min_length=1, max_length=200)
    #: {answer}: the number typed, {count}: the most / the fewest
    above_most: str = Field(default="{answer} is above the most this programme allows ({count}).", min_length=1,
                            max_length=200)
    below_fewest: str = Field(default="{answer} is below the fewest this programme allows ({count}).",
                              min_length=1, max_length=200)
    zone_unknown: str = Field(default="I couldn't recognise that time zone.", min_length=1, max_length=200)
    #: a place that could be several zones ({answer}: what was typed) / the same when nothing is quotable
    zone_ambiguous: str = Field(default="“{answer}” could mean more than one time zone — which one is yours?",
                                min_length=1, max_length=300)
    zone_ambiguous_plain: str = Field(default="That could mean more than one time zone — which one is yours?",
                                      min_length=1, max_length=300)
    type_an_answer: str = Field(default="Please type an answer.", min_length=1, max_length=200)
    #: a text over the limit ({count}) with its {length}
    keep_short: str = Field(default="Please keep it to {count} characters or fewer — yours has {length}.",
                            min_length=1, max_length=300)
    #: under the summary when saved answers no longer fit their questions ({problems}: each, "; "-separated)
    another_look: str = Field(default="Some answers need another look: {problems}", min_length=1, max_length=300)
    #: out of turn: an answer (or a press) after the interview is finished / its answers confirmed, the same
    #: answer again, an answer to an earlier question ({question}: its label) or to one not asked yet, an answer
    #: once the summary is shown, "change" of a question that is not there or not reached, "Confirm" too early
    finished: str = Field(default="You've already finished onboarding — thank you! Use /profile to see or change "
                                  "your answers.", min_length=1, max_length=300)
    finished_short: str = Field(default="You've already finished onboarding. Use /profile to change your answers.",
                                min_length=1, max_length=300)
    already_confirmed: str = Field(default="You've already confirmed your answers — thank you!", min_length=1,
                                   max_length=300)
    same_answer: str = Field(default="Got it — I already have that answer.", min_length=1, max_length=300)
    answered_before: str = Field(default="You've already answered “{question}”. To change it, use “Change an answer” "
                                         "on the summary.", min_length=1, max_length=400)
    not_current: str = Field(default="That question isn't the one we're on — please answer the latest message.",
                             min_length=1, max_length=300)
    all_answered: str = Field(default="All questions are answered — please press Confirm, or Change an answer.",
                              min_length=1, max_length=300)
    no_such_question: str = Field(default="There's no such question to change — pick one from the summary.",
                                  min_length=1, max_length=300)
    in_order: str = Field(default="Let's answer the questions in order — please answer the latest message first.",
                          min_length=1, max_length=300)
    questions_left: str = Field(default="There are still questions to answer — please answer the latest message "
                                        "first.", min_length=1, max_length=300)

    @model_validator(mode="after")
    def _expected_said(self) -> AnswerWords:
        for name, needed in ANSWER_NEEDS.items():  # what is expected must still be said
            missing = [f"{{{p}}}" for p in needed if p not in template_fields(getattr(self, name))]
            if missing:
                raise ValueError(f"{name}: must say {', '.join(missing)} (what a valid answer is)")
        return self
