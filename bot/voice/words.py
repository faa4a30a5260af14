"""Each feature's words in a programme's voice — surveys, the interview, answers asked again, goals, stories,
the profile commands, check-in buttons and check-in words — with the placeholders each text may use, checked as
the config loads (an error names the key). :class:`bot.voice.Voice` holds one table of each."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.nudges.templates import check_template, render_template, template_fields

STRICT = ConfigDict(extra="forbid")

def _check_words(words: BaseModel, placeholders: dict[str, tuple[str, ...]]) -> None:
    """Every text of ``words`` uses only its own placeholders; an error names the key (``already: …``)."""
    for name in type(words).model_fields:
        try:
            check_template(getattr(words, name), placeholders.get(name, ()))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None


#: The placeholders each of the survey words may use.
SURVEY_WORD_PLACEHOLDERS: dict[str, tuple[str, ...]] = {"not_an_answer": ("question",), "grouped_partner": ("count",)}


class SurveyWords(BaseModel):
    """``[surveys]``: the words around a programme's survey questions (the questions themselves, intros and
    thanks are in its surveys). The defaults are only for a survey whose programme no longer exists."""

    model_config = STRICT

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

    @model_validator(mode="after")
    def _templates(self) -> SurveyWords:
        _check_words(self, SURVEY_WORD_PLACEHOLDERS)
        return self

    def say(self, name: str, /, **values: object) -> str:
        return render_template(getattr(self, name), values, allowed=SURVEY_WORD_PLACEHOLDERS.get(name, ()))


#: The placeholders each of the interview's words may use (and that the interview always fills).
INTERVIEW_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "progress": ("number", "total"),
    "records_say": ("answer",),
    "post_guess": ("answer",),
    "post_guess_above": ("answer", "question"),
    "no_interview": ("programme",),
    "dm_help": ("programme",),
    "use_button": ("answer",),
    "choose_range": ("low", "high"),
    "choose_count": ("count",),
    "current_answer": ("answer",),
    "consent_refused": ("label",),
    "thread_intro": ("person",),
}


class InterviewWords(BaseModel):
    """``[interview]``: the words around the interview's questions (the questions are the preset's). The
    defaults are the neutral ones a programme's config may fall back to."""

    model_config = STRICT

    #: above each question ({number} of {total})
    progress: str = Field(default="**Question {number} of {total}**", min_length=1, max_length=100)
    #: under a question the organisers' spreadsheet already answered ({answer}: their answer, "Use" takes it)
    records_say: str = Field(default="The organisers' records say: **{answer}** — press “Use” or answer differently.",
                             min_length=1, max_length=300)
    #: under a question a linked post suggested an answer to
    post_guess: str = Field(default="From your post I guessed: **{answer}** — press “Use” or answer differently.",
                            min_length=1, max_length=300)
    #: the guess alone, when the post is linked while the question is already on screen ({question}: its label)
    post_guess_above: str = Field(default="From your post I guessed: **{answer}** for “{question}” — press “Use”, "
                                          "or answer the question above.", min_length=1, max_length=400)
    #: the consent question's buttons (Discord: 80 characters a label)
    consent_yes: str = Field(default="Yes, I agree", min_length=1, max_length=80)
    consent_no: str = Field(default="No", min_length=1, max_length=80)
    #: under a question answered by typing
    type_here: str = Field(default="Type your answer here.", min_length=1, max_length=200)
    #: under a number question with a button per number
    tap_number: str = Field(default="Tap a number below, or type it here.", min_length=1, max_length=200)
    #: the summary before confirming, and its title
    summary: str = Field(default="Here's everything you told me. Press **Confirm** if it's right, or pick an "
                                 "answer to change.", min_length=1, max_length=400)
    summary_title: str = Field(default="Your answers", min_length=1, max_length=100)
    #: a click on an interview message of someone with no interview in that programme (any more)
    no_interview: str = Field(default="I don't have an interview for you in this programme — use `/join` in the "
                                      "server to start one.", min_length=1, max_length=300)
    #: the answer to a DM outside any interview (at most once a minute)
    dm_help: str = Field(default="Hi! I'm the mentoring bot. Use `/join` in the community server to start (or "
                                 "continue) your interview, `/profile` to see your answers, `/pause` to take a "
                                 "break, and `/leave` to delete your data.", min_length=1, max_length=600)
    #: the interview's controls (Discord: 80 characters a button label, 150 a menu placeholder, 45 a form title)
    write_button: str = Field(default="Write my answer", min_length=1, max_length=80)
    skip_button: str = Field(default="Skip", min_length=1, max_length=80)
    none_button: str = Field(default="None of these", min_length=1, max_length=80)
    #: the button taking a suggested answer ({answer}: the suggestion; cut to 80 characters)
    use_button: str = Field(default="Use: {answer}", min_length=1, max_length=80)
    confirm_button: str = Field(default="Confirm", min_length=1, max_length=80)
    change_menu: str = Field(default="Change an answer…", min_length=1, max_length=150)
    choose_menu: str = Field(default="Choose…", min_length=1, max_length=150)
    #: a menu taking several answers: between {low} and {high} / exactly {count}
    choose_range: str = Field(default="Choose {low}–{high}…", min_length=1, max_length=150)
    choose_count: str = Field(default="Choose {count}…", min_length=1, max_length=150)
    zone_menu: str = Field(default="Pick your time zone", min_length=1, max_length=150)
    answer_title: str = Field(default="Your answer", min_length=1, max_length=45)
    #: under a question whose answer is being changed
    current_answer: str = Field(default="Your current answer: {answer}", min_length=1, max_length=300)
    #: under the summary when the consent question was answered "no" ({label}: that question's label)
    consent_refused: str = Field(default="To take part we need your consent to store your answers and share them "
                                         "with your matched partner and the organisers. Choose “Change an answer” "
                                         "→ {label} to agree, or use /leave to delete your data.",
                                 min_length=1, max_length=600)
    #: a click on a typed question the organisers removed since
    question_gone: str = Field(default="That question no longer exists.", min_length=1, max_length=300)
    #: the answer to /join (only the person sees it): the next question is in their DMs / a private thread
    join_dm: str = Field(default="I've sent you the next question in your DMs.", min_length=1, max_length=300)
    join_thread: str = Field(default="I've sent you the next question in a private thread.", min_length=1,
                             max_length=300)
    #: the first message of the private thread the interview moves to when the person's DMs are closed
    #: ({person}: a mention of them)
    thread_intro: str = Field(default="{person} your DMs are closed, so let's talk here — only you and the "
                                      "organisers can see this thread.", min_length=1, max_length=300)

    @model_validator(mode="after")
    def _templates(self) -> InterviewWords:
        _check_words(self, INTERVIEW_PLACEHOLDERS)
        return self

    def say(self, name: str, /, **values: object) -> str:
        return render_template(getattr(self, name), values, allowed=INTERVIEW_PLACEHOLDERS.get(name, ()))


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
}

#: The placeholders the words saying what is expected must use: a re-ask always says what a valid answer is.
ANSWER_NEEDS: dict[str, tuple[str, ...]] = {
    "pick_one": ("options",), "pick_exactly_one": ("options",), "pick_exactly": ("count", "options"),
    "pick_at_least_one": ("options",), "pick_any": ("options",), "pick_up_to": ("count", "options"),
    "pick_between": ("low", "high", "options"), "number_range": ("low", "high"), "text_length": ("count",),
    "keep_short": ("count",),
}


class AnswerWords(BaseModel):
    """``[answers]``: what a typed or picked interview answer is told when it cannot be taken: the reason, then
    what is expected (each re-ask says both). The defaults are the neutral ones."""

    model_config = STRICT

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

    @model_validator(mode="after")
    def _templates(self) -> AnswerWords:
        _check_words(self, ANSWER_PLACEHOLDERS)
        for name, needed in ANSWER_NEEDS.items():  # what is expected must still be said
            missing = [f"{{{p}}}" for p in needed if p not in template_fields(getattr(self, name))]
            if missing:
                raise ValueError(f"{name}: must say {', '.join(missing)} (what a valid answer is)")
        return self

    def say(self, name: str, /, **values: object) -> str:
        return render_template(getattr(self, name), values, allowed=ANSWER_PLACEHOLDERS.get(name, ()))


#: The placeholders each of the goals' words may use (and that their sender always fills).
GOAL_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "no_goals_mentor": ("mentee",),
    "goal_label": ("number",),
    "goal_optional": ("number",),
    "view_mentor": ("mentee",),
    "view_mentor_none": ("mentee",),
    "view_no_match": ("programme",),
}


class GoalWords(BaseModel):
    """``[goals]``: the words around a pair's goals: on a check-in, the mentee's form and its buttons, and
    ``/goals view``. The defaults are the neutral ones."""

    model_config = STRICT

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

    @model_validator(mode="after")
    def _templates(self) -> GoalWords:
        _check_words(self, GOAL_PLACEHOLDERS)
        return self

    def say(self, name: str, /, **values: object) -> str:
        return render_template(getattr(self, name), values, allowed=GOAL_PLACEHOLDERS.get(name, ()))


#: The placeholders each of the story words may use (and that the stories flow always fills).
STORY_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "post_on": ("platform",),
    "post_with_handle": ("platform",),
    "preview_public": ("platform",),
    "nothing_sent": ("button",),
    "posted": ("platform",),
    "unclear": ("platform",),
    "refused": ("platform", "reason"),
}


class StoryWords(BaseModel):
    """``[stories]``: the words of sharing a story once a match has ended (the offer itself is the voice's
    ``story_offer``): the buttons, the form, where it may go, the preview and what the person is told after.
    The defaults are the neutral ones, and the words for an offer whose programme no longer exists."""

    model_config = STRICT

    #: the offer's buttons, the preview's (Discord: 80 characters a label)
    write_button: str = Field(default="Write my story", min_length=1, max_length=80)
    no_button: str = Field(default="No thanks", min_length=1, max_length=80)
    rewrite_button: str = Field(default="Rewrite it", min_length=1, max_length=80)
    share_button: str = Field(default="Yes, share it", min_length=1, max_length=80)
    #: the form (Discord: 45 characters a title or label, 100 a placeholder)
    form_title: str = Field(default="Your story", min_length=1, max_length=45)
    form_label: str = Field(default="A few lines about your mentoring", min_length=1, max_length=45)
    form_example: str = Field(default="What difference did it make for you?", min_length=1, max_length=100)
    #: the answer to an empty story, and to a story written (above the places it may go)
    empty: str = Field(default="Please write a few words — or just ignore the offer, that's fine too.",
                       min_length=1, max_length=300)
    where: str = Field(default="Thank you! Where would you like it to go? You'll see exactly what would be "
                               "posted before anything goes out.", min_length=1, max_length=300)
    #: the places (80 characters a label; {platform}: X, Bluesky or Mastodon)
    post_on: str = Field(default="Post on {platform}", min_length=1, max_length=80)
    post_with_handle: str = Field(default="On {platform} with my handle", min_length=1, max_length=80)
    organisers_only: str = Field(default="Organisers only", min_length=1, max_length=80)
    #: above the preview: a public post ({platform}) / the organisers only; below it ({button}: share_button)
    preview_public: str = Field(default="Here is exactly what will be posted by the programme's account on "
                                        "{platform}", min_length=1, max_length=300)
    preview_organisers: str = Field(default="Here is exactly what will be shown to the programme's organisers",
                                    min_length=1, max_length=300)
    nothing_sent: str = Field(default="Nothing is sent until you press “{button}”.", min_length=1, max_length=300)
    #: a place no longer offered; a confirmation of a preview older than the story
    place_gone: str = Field(default="That place isn't available for this programme any more.", min_length=1,
                            max_length=300)
    changed: str = Field(default="Your story changed since that preview — please look at the new preview before "
                                 "confirming.", min_length=1, max_length=300)
    #: after the confirmation: posted ({platform}; its link follows), with the organisers, the organisers could
    #: not be reached, the platform's answer unclear (it may have gone out) or a refusal ({reason}: why)
    posted: str = Field(default="Posted on {platform} — thank you for sharing! 💛", min_length=1, max_length=300)
    shared: str = Field(default="Thank you — I've passed your story to the organisers. 💛", min_length=1,
                        max_length=300)
    organisers_unreachable: str = Field(default="I couldn't reach the organisers just now; nothing was sent. "
                                                "Please try again later.", min_length=1, max_length=300)
    unclear: str = Field(default="{platform} didn't confirm the post, so I won't try again (it may have gone out). "
                                 "The organisers will check.", min_length=1, max_length=300)
    refused: str = Field(default="{platform} didn't take the post ({reason}); nothing was posted. You can try "
                                 "again later or choose another place.", min_length=1, max_length=400)
    #: "No thanks"
    declined: str = Field(default="No problem at all — thank you for taking part. Nothing will be shared.",
                          min_length=1, max_length=300)
    #: a click on an offer that is gone, or someone else's
    offer_closed: str = Field(default="This offer is no longer open.", min_length=1, max_length=300)
    not_yours: str = Field(default="This story belongs to someone else.", min_length=1, max_length=300)
    #: a click on a story settled already: posted (its link follows), with the organisers, being posted,
    #: declined, anything else
    already_posted: str = Field(default="Your story is already posted — thank you! It is shared once, never twice.",
                                min_length=1, max_length=300)
    already_shared: str = Field(default="Your story is already with the organisers — thank you!", min_length=1,
                                max_length=300)
    posting: str = Field(default="Your story is being posted right now.", min_length=1, max_length=300)
    already_declined: str = Field(default="You chose not to share a story — that's fine.", min_length=1,
                                  max_length=300)
    settled: str = Field(default="This story can't be changed any more; the organisers can help.", min_length=1,
                         max_length=300)

    @model_validator(mode="after")
    def _templates(self) -> StoryWords:
        _check_words(self, STORY_PLACEHOLDERS)
        return self

    def say(self, name: str, /, **values: object) -> str:
        return render_template(getattr(self, name), values, allowed=STORY_PLACEHOLDERS.get(name, ()))


#: The placeholders each of the member commands' words may use (and that the commands always fill).
PROFILE_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "leave_confirm": ("programme",),
    "left": ("programme",),
    "left_replies_many": ("count",),
    "mydata_dm": ("programme",),
    "mydata_nothing": ("programme",),
    "not_joined": ("programme",),
    "profile_title": ("programme",),
}


class ProfileWords(BaseModel):
    """``[profile]``: the answers to a member's own commands (/leave, /mydata, /profile). The defaults are the
    neutral ones a programme's config may fall back to."""

    model_config = STRICT

    #: /leave's question, above its two buttons ({programme}: its name)
    leave_confirm: str = Field(default="Leave **{programme}**? This deletes your profile, your answers and "
                                       "everything that names you, for good, and ends any current match (your "
                                       "partner will be told kindly). The programme keeps only anonymous facts — "
                                       "that a match existed, when it began and ended, and how — so its statistics "
                                       "don't shrink. The bot removes your name from its own messages; replies only "
                                       "an organiser could see can't be changed once sent (`/mydata` says what "
                                       "stays out of reach). You can download your data first with `/mydata`.",
                               min_length=1, max_length=1500)
    #: its buttons (Discord: 80 characters a label) and the answer to "keep"
    leave_button: str = Field(default="Yes, delete my data", min_length=1, max_length=80)
    keep_button: str = Field(default="No, keep it", min_length=1, max_length=80)
    kept: str = Field(default="Nothing was deleted. 👍", min_length=1, max_length=300)
    #: the answer once the data is deleted ({programme}: its name) …
    left: str = Field(default="Your data in **{programme}** has been deleted now; the last copies in the bot's "
                              "database files are cleaned up within a few minutes.", min_length=1, max_length=600)
    #: … then, when it ended their match / several matches …
    left_ended_one: str = Field(default="Your match has ended; your partner has been told and the organisers know.",
                                min_length=1, max_length=300)
    left_ended_many: str = Field(default="Your matches have ended; your partner has been told and the organisers "
                                         "know.", min_length=1, max_length=300)
    #: … when the bot's public replies named their handle (one / {count}) …
    left_replies_one: str = Field(default="The bot's public reply that named your handle is being deleted within "
                                          "the next few minutes; if a platform refuses, the organisers are asked to "
                                          "delete it.", min_length=1, max_length=400)
    left_replies_many: str = Field(default="The bot's {count} public replies that named your handle are being "
                                           "deleted within the next few minutes; if a platform refuses, the "
                                           "organisers are asked to delete them.", min_length=1, max_length=400)
    #: … and last
    left_thanks: str = Field(default="Thank you for taking part — you're welcome back any time with `/join`.",
                             min_length=1, max_length=300)
    #: /leave or /mydata from someone with nothing stored
    left_nothing: str = Field(default="There's nothing stored about you in this programme.", min_length=1,
                              max_length=300)
    #: /mydata: the DM with the file ({programme}), the answer when it was sent, the file shown in place
    #: because DMs are closed, nothing stored ({programme})
    mydata_dm: str = Field(default="Here is everything **{programme}** stores about you.", min_length=1,
                           max_length=300)
    mydata_sent: str = Field(default="I've sent your data to your DMs. 📬", min_length=1, max_length=300)
    mydata_here: str = Field(default="Your DMs are closed, so here it is (only you can see this):", min_length=1,
                             max_length=300)
    mydata_nothing: str = Field(default="Nothing is stored about you in {programme}.", min_length=1, max_length=300)
    #: /profile view and edit, /pause: someone who has not joined ({programme}), or not finished the interview
    not_joined: str = Field(default="You haven't joined {programme} yet — use `/join` to start.", min_length=1,
                            max_length=300)
    unfinished: str = Field(default="You haven't finished your interview yet — use `/join` to carry on.",
                            min_length=1, max_length=300)
    #: /profile view: the title ({programme}) and footer of the profile
    profile_title: str = Field(default="Your profile — {programme}", min_length=1, max_length=256)
    profile_footer: str = Field(default="Change an answer with /profile edit · download everything with /mydata",
                                min_length=1, max_length=300)
    #: /profile view: the names of the fields with the person's status and their current match (Discord: 256)
    status_field: str = Field(default="Status", min_length=1, max_length=256)
    match_field: str = Field(default="Your match", min_length=1, max_length=256)
    #: /profile edit: the question above the menu, the menu (Discord: 150 characters), and the answer to a pick
    #: (the question was sent / could not be sent)
    edit_prompt: str = Field(default="Which answer would you like to change? I'll ask it again in our "
                                     "conversation, then show you the summary to confirm.", min_length=1,
                             max_length=400)
    edit_menu: str = Field(default="Which answer?", min_length=1, max_length=150)
    change_sent: str = Field(default="I've sent you that question in our conversation (your DMs, or your private "
                                     "onboarding thread).", min_length=1, max_length=300)
    change_unreachable: str = Field(default="I couldn't reach you — please open your DMs to this server's members "
                                            "and try again.", min_length=1, max_length=300)

    @model_validator(mode="after")
    def _templates(self) -> ProfileWords:
        _check_words(self, PROFILE_PLACEHOLDERS)
        return self

    def say(self, name: str, /, **values: object) -> str:
        return render_template(getattr(self, name), values, allowed=PROFILE_PLACEHOLDERS.get(name, ()))


#: The placeholders each of the check-in words may use (and that their sender always fills).
CHECKIN_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "already": ("answer",),
    "end_request": ("partner", "programme"),
    "batch_pick": ("partner",),
    "batch_answered": ("partner", "answer"),
    "batch_ended": ("partner",),
    "batch_goals": ("partner",),
    "batch_earlier": ("first", "last"),
    "batch_later": ("first", "last"),
    "batch_week": ("week",),
    "batch_more": ("count",),
}


class CheckinButtons(BaseModel):
    """``[checkin_buttons]``: the labels of a check-in's buttons (Discord: 80 characters each); the answers
    themselves are in ``[replies]``."""

    model_config = STRICT

    met: str = Field(default="We've met", min_length=1, max_length=80)
    not_yet: str = Field(default="Not yet", min_length=1, max_length=80)
    help: str = Field(default="We need help", min_length=1, max_length=80)
    end: str = Field(default="End this match", min_length=1, max_length=80)
    #: the partner's two buttons under the end request
    confirm_end: str = Field(default="Yes, end our match", min_length=1, max_length=80)
    keep: str = Field(default="No, let's keep going", min_length=1, max_length=80)
    #: under a check-in / a feedback question: opens a short form
    note: str = Field(default="Add a note", min_length=1, max_length=80)
    feedback: str = Field(default="Write my feedback", min_length=1, max_length=80)

    @model_validator(mode="after")
    def _templates(self) -> CheckinButtons:
        _check_words(self, {})
        return self

    def label(self, answer: str) -> str:
        """The label of the button giving ``answer`` (an unknown answer: itself)."""
        return str(getattr(self, answer)) if answer in type(self).model_fields else answer


class CheckinWords(BaseModel):
    """``[checkin_words]``: the answers to a check-in click that cannot count, the end request put to the
    partner, the note form and a batched check-in's words. The defaults are only for a check-in whose
    programme no longer exists."""

    model_config = STRICT

    #: the check-in (or its match) is gone
    gone: str = Field(default="This check-in no longer exists — thanks anyway!", min_length=1, max_length=300)
    #: a forwarded check-in, pressed by someone else
    not_yours: str = Field(default="This check-in was sent to someone else.", min_length=1, max_length=300)
    #: an answer to an end request pressed by someone other than the partner who was asked
    partner_only: str = Field(default="Only the partner of the person who asked to end the match can answer this.",
                              min_length=1, max_length=300)
    #: an answer to an end request that was withdrawn since (the asker answered the check-in again)
    no_end_request: str = Field(default="There is no request to end this match any more.", min_length=1,
                                max_length=300)
    #: the match has ended since
    match_over: str = Field(default="This match has already ended — thank you!", min_length=1, max_length=300)
    #: answered already ({answer}: the earlier answer's button)
    already: str = Field(default="You already answered this one (“{answer}”) — I've kept that.", min_length=1,
                         max_length=300)
    #: "Keep going" pressed again
    already_keep: str = Field(default="You already told me you'd like to keep going.", min_length=1, max_length=300)
    #: the partner's question when the other asked to end the match ({partner}: who asked), with the
    #: confirm_end / keep buttons
    end_request: str = Field(default="{partner} asked to end your {programme} match. Do you agree? If not, tell "
                                     "us and an organiser will help you two.", min_length=1, max_length=900)
    #: the note form: its title and field (Discord: 45 characters each), the thanks, and a note that cannot
    #: be saved (not theirs, or the check-in is gone)
    note_title: str = Field(default="A short note for the organisers", min_length=1, max_length=45)
    note_label: str = Field(default="Your note", min_length=1, max_length=45)
    note_saved: str = Field(default="Thanks — I've passed your note to the organisers.", min_length=1,
                            max_length=300)
    note_refused: str = Field(default="This note can't be saved here.", min_length=1, max_length=300)
    #: a batched check-in (several pairings in one message): each pairing's menu (Discord: 150 characters) …
    batch_pick: str = Field(default="{partner}: how is it going?", min_length=1, max_length=150)
    batch_answered: str = Field(default="{partner}: {answer} ✓", min_length=1, max_length=150)
    batch_ended: str = Field(default="{partner}: this pairing has ended", min_length=1, max_length=150)
    #: … the menu's note entry (100 characters), the answer to anything else picked …
    batch_note: str = Field(default="Add a note for the organisers", min_length=1, max_length=100)
    batch_wrong: str = Field(default="Please pick one of the answers in the list.", min_length=1, max_length=300)
    #: … a pair's goal-progress button, the page buttons (80 characters; {first}–{last}: the pairings shown) …
    batch_goals: str = Field(default="Goal progress: {partner}", min_length=1, max_length=80)
    batch_earlier: str = Field(default="◀ Pairings {first}–{last}", min_length=1, max_length=80)
    batch_later: str = Field(default="Pairings {first}–{last} ▶", min_length=1, max_length=80)
    #: … and each pairing's line in the message: its week, its goals (if set), its answer so far, an ended
    #: pairing, the pairings cut for length ({count}: how many)
    batch_week: str = Field(default="week {week}", min_length=1, max_length=60)
    batch_has_goals: str = Field(default="🎯 goals", min_length=1, max_length=60)
    batch_met: str = Field(default="✅ you've met", min_length=1, max_length=100)
    batch_not_yet: str = Field(default="⏳ not yet", min_length=1, max_length=100)
    batch_help: str = Field(default="🆘 asked for help: the organisers know", min_length=1, max_length=100)
    batch_end: str = Field(default="👋 asked to end: waiting for your partner to confirm", min_length=1,
                           max_length=100)
    batch_over: str = Field(default="this pairing has ended", min_length=1, max_length=100)
    batch_more: str = Field(default="…and {count} more below", min_length=1, max_length=100)

    @model_validator(mode="after")
    def _templates(self) -> CheckinWords:
        _check_words(self, CHECKIN_PLACEHOLDERS)
        return self

    def say(self, name: str, /, **values: object) -> str:
        return render_template(getattr(self, name), values, allowed=CHECKIN_PLACEHOLDERS.get(name, ()))
