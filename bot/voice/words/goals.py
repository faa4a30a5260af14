"""A programme's words for a match's goals: the invitation, the form, the check-in, what the mentee and the
mentor are told when they set goals or record progress, ``/goals`` and the organisers' ``/goals overview``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from bot.nudges.templates import template_fields
from bot.voice.words.checking import WordTable

#: The placeholders each of the goals' words may use (and that their sender always fills).
GOAL_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "no_goals_mentor": ("mentee",),
    "goal_label": ("number",),
    "goal_optional": ("number",),
    "view_mentor": ("mentee",),
    "view_mentor_none": ("mentee",),
    "view_no_match": ("programme",),
    "pair_title": ("mentor", "mentee"),
    "checkin_press": ("button",),
    "no_suggestions": ("button",),
    "saved": ("goals",),
    "progress_noted": ("number", "progress"),
    "changed_hint": ("button",),
    "overview_title": ("programme",),
    "overview_more": ("count",),
    "goal_count": ("count",),
    "pair_count": ("count",),
    "totals_none": ("pairs",),
    "totals": ("goals", "with_goals", "pairs", "states"),
}
#: what a text must still say (a count without its number, a saved answer without the goals, tells nothing)
GOAL_NEEDS: dict[str, tuple[str, ...]] = {
    "saved": ("goals",), "progress_noted": ("progress",), "overview_more": ("count",), "goal_count": ("count",),
    "pair_count": ("count",),
}
#: the states a goal may be in, in the order a check-in offers them (each one a word of the table below)
PROGRESS_STATES = ("not_started", "under_way", "achieved", "changed")


class GoalWords(WordTable):
    """``[goals]``: the words around a pair's goals: on a check-in, the mentee's form and its buttons, and
    ``/goals view``. The defaults are the neutral ones."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = GOAL_PLACEHOLDERS

    #: the button on a check-in that shows the pair's goals (Discord: 80 characters)
    progress_button: str = Field(default="Goal progress", min_length=1, max_length=80)
    #: above the goals, each with a menu of where it stands
    how_going: str = Field(default="🎯 How is each goal going? Pick where it stands:", min_length=1, max_length=300)
    #: no goals yet: told to the mentee / to the mentor ({mentee}: their mentee's name)
    no_goals_mentee: str = Field(default="You haven't set goals for this mentoring yet.", min_length=1,
                                 max_length=300)
    no_goals_mentor: str = Field(default="{mentee} hasn't set goals for your mentoring yet.", min_length=1,
                                 max_length=300)
    #: the mentee's buttons (Discord: 80 characters a label): write the goals (no suggestions), keep the
    #: profile's choices or change them (the invitation), change the goals set (``/goals view``, a check-in)
    write_button: str = Field(default="Write my goals", min_length=1, max_length=80)
    use_button: str = Field(default="Use these goals", min_length=1, max_length=80)
    change_button: str = Field(default="Change them", min_length=1, max_length=80)
    change_goals_button: str = Field(default="Change the goals", min_length=1, max_length=80)
    #: the goals form (Discord: 45 characters a title or label, 100 a placeholder): its title, the first goal
    #: and the optional others ({number}: 1, 2, 3), the example in the first goal's empty field
    form_title: str = Field(default="Your goals for this mentoring", min_length=1, max_length=45)
    goal_label: str = Field(default="Goal {number}", min_length=1, max_length=45)
    goal_optional: str = Field(default="Goal {number} (optional)", min_length=1, max_length=45)
    goal_example: str = Field(default="e.g. Feel confident leading a session", min_length=1, max_length=100)
    #: ``/goals view``: above the mentee's goals / no goals yet; above the mentor's view of their mentee's goals
    #: / none yet ({mentee}: their name); no current match ({programme})
    view_mentee: str = Field(default="🎯 Your goals — pick where each stands, or change them:", min_length=1,
                             max_length=300)
    view_mentee_none: str = Field(default="🎯 You haven't set goals yet: write up to three.", min_length=1,
                                  max_length=300)
    view_mentor: str = Field(default="🎯 The goals of your mentee {mentee} — pick where each stands:", min_length=1,
                             max_length=300)
    view_mentor_none: str = Field(default="{mentee} hasn't set goals yet.", min_length=1, max_length=300)
    view_no_match: str = Field(default="You don't have a current match in {programme}, so there are no goals to "
                                       "show yet.", min_length=1, max_length=300)
    #: the embeds that list the goals: the mentee's invitation, the post in the pair's space when they are set,
    #: a pair's goals (``/goals view``, a check-in's "Goal progress"; {mentor}, {mentee}: their names) and its
    #: text when there are none yet. Each goal is a field named ``goal_label`` (``Goal 1``)
    invite_title: str = Field(default="🎯 Your goals", min_length=1, max_length=256)
    shared_title: str = Field(default="🎯 Goals", min_length=1, max_length=256)
    pair_title: str = Field(default="Goals of {mentor} → {mentee}", min_length=1, max_length=256)
    none_set: str = Field(default="No goals set yet.", min_length=1, max_length=300)
    #: where a goal stands (a menu's options: Discord: 100 characters; each shown after its mark ⚪ 🟡 ✅ 🔄)
    not_started: str = Field(default="Not started", min_length=1, max_length=80)
    under_way: str = Field(default="Under way", min_length=1, max_length=80)
    achieved: str = Field(default="Achieved", min_length=1, max_length=80)
    changed: str = Field(default="Changed", min_length=1, max_length=80)
    #: a check-in of a pair with goals: above the goals, and below them ({button}: ``progress_button``)
    checkin_heading: str = Field(default="🎯 **Your goals**", min_length=1, max_length=100)
    checkin_press: str = Field(default="Press “{button}” to say how they are going.", min_length=1, max_length=300)
    #: a click by someone not of the pair; the mentor pressing the mentee's buttons; a match that has ended /
    #: no longer exists
    not_yours: str = Field(default="These goals belong to another pair — only the two of them can change them.",
                           min_length=1, max_length=300)
    only_mentee: str = Field(default="Goals are set by the mentee of the pair; you can record progress on them in "
                                     "check-ins or with `/goals view`.", min_length=1, max_length=300)
    ended: str = Field(default="This match has ended, so its goals can't change any more. Thank you for working on "
                               "them!", min_length=1, max_length=300)
    match_gone: str = Field(default="This match no longer exists.", min_length=1, max_length=300)
    #: "Use these goals" with no goals in the profile ({button}: ``write_button``); an empty form
    no_suggestions: str = Field(default="Your profile has no goals to start from — press “{button}” and put them in "
                                        "your own words.", min_length=1, max_length=300)
    none_written: str = Field(default="Please write at least one goal (up to three, a line each).", min_length=1,
                              max_length=300)
    #: the goals saved ({goals}: one line each, ``1. …``)
    saved: str = Field(default="🎯 Your goals are saved:\n{goals}\nYour partner can see them in your shared space; "
                               "`/goals view` shows or changes them any time.", min_length=1, max_length=600)
    #: a goal's progress: a state not offered; a goal rewritten since; noted ({number}, {progress}: its state),
    #: then to a mentee who chose ``changed`` ({button}: ``change_goals_button``)
    unknown_progress: str = Field(default="I don't know that progress — please pick one from the list.",
                                  min_length=1, max_length=300)
    goal_gone: str = Field(default="That goal has been rewritten or removed — `/goals view` shows the current ones.",
                           min_length=1, max_length=300)
    progress_noted: str = Field(default="Noted: goal {number} is **{progress}**.", min_length=1, max_length=300)
    changed_hint: str = Field(default="If it has changed, you can rewrite it with “{button}” (`/goals view`).",
                              min_length=1, max_length=300)
    #: the organisers' ``/goals overview``: its title ({programme}), a pair whose match ended, a pair without
    #: goals, more pairs than listed (one / {count}), no pairs at all
    overview_title: str = Field(default="{programme} — goals", min_length=1, max_length=256)
    overview_ended: str = Field(default="(ended)", min_length=1, max_length=100)
    overview_no_goals: str = Field(default="no goals set yet", min_length=1, max_length=100)
    overview_more_one: str = Field(default="… and 1 more pair", min_length=1, max_length=100)
    overview_more: str = Field(default="… and {count} more pairs", min_length=1, max_length=100)
    overview_empty: str = Field(default="No pairs yet.", min_length=1, max_length=100)
    #: the totals above it: goals and pairs counted (one / {count}), none set yet ({pairs}: ``pair_count``), and
    #: {goals} (``goal_count``) in {with_goals} (a number) of {pairs}, then {states} (each state and its count)
    goal_count_one: str = Field(default="1 goal", min_length=1, max_length=50)
    goal_count: str = Field(default="{count} goals", min_length=1, max_length=50)
    pair_count_one: str = Field(default="1 pair", min_length=1, max_length=50)
    pair_count: str = Field(default="{count} pairs", min_length=1, max_length=50)
    totals_none: str = Field(default="No goals set yet ({pairs}).", min_length=1, max_length=300)
    totals: str = Field(default="{goals} in {with_goals} of {pairs}: {states}", min_length=1, max_length=300)
    #: the name of someone of a pair who has left the programme (in a pair's title, the overview)
    someone_who_left: str = Field(default="someone who left", min_length=1, max_length=60)

    @model_validator(mode="after")
    def _needed_said(self) -> GoalWords:
        for name, needed in GOAL_NEEDS.items():
            missing = [f"{{{p}}}" for p in needed if p not in template_fields(getattr(self, name))]
            if missing:
                raise ValueError(f"{name}: must say {', '.join(missing)}")
        return self

    def progress_labels(self) -> dict[str, str]:
        """Each state a goal may be in, in this programme's words (in the order a check-in offers them)."""
        return {state: getattr(self, state) for state in PROGRESS_STATES}

    def count(self, noun: str, number: int) -> str:
        """``1 goal`` / ``3 goals`` (``noun``: goal or pair) in this programme's words."""
        return getattr(self, f"{noun}_count_one") if number == 1 else self.say(f"{noun}_count", count=number)
