"""A programme's words for a match's goals: the invitation, the form, the check-in and ``/goals``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from bot.voice.words.checking import WordTable

#: The placeholders each of the goals' words may use (and that their sender always fills).
GOAL_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "no_goals_mentor": ("mentee",),
    "goal_label": ("number",),
    "goal_optional": ("number",),
    "view_mentor": ("mentee",),
    "view_mentor_none": ("mentee",),
    "view_no_match": ("programme",),
}


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
