"""A programme's words for the interview's controls and notices."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from bot.nudges.templates import template_fields
from bot.voice.words.checking import WordTable

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
    "will_ask": ("questions",),
    "will_ask_up_to": ("questions",),
    "question_count": ("count",),
    "more_count": ("count",),
}
#: what a text must still say (the welcome's promise without its number promises nothing)
INTERVIEW_NEEDS: dict[str, tuple[str, ...]] = {
    "will_ask": ("questions",), "will_ask_up_to": ("questions",), "question_count": ("count",),
    "more_count": ("count",),
}


class InterviewWords(WordTable):
    """``[interview]``: the words around the interview's questions (the questions are the preset's). The
    defaults are the neutral ones a programme's config may fall back to."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = INTERVIEW_PLACEHOLDERS

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
    #: a claim code typed in a DM (it links nothing: it is posted from the account to link)
    codes_are_posted: str = Field(default="Codes aren't typed here: post your code from the account you want to link "
                                          "(with the programme's hashtag), and I'll link it when I see it. Use /link "
                                          "@your_handle to get one.", min_length=1, max_length=400)
    #: answers typed faster than anyone types (the rest are not taken until they slow down)
    slow_down: str = Field(default="You're sending messages very quickly — give me a moment, then answer the latest "
                                   "question.", min_length=1, max_length=300)
    #: the welcome's {questions}: how many questions come (it matches the "Question n of N" that follow):
    #: exactly / at most (later answers may skip some) {questions}, which is one / {count} questions, or — the
    #: interview carried on — one / {count} more
    will_ask: str = Field(default="I'll ask you {questions}", min_length=1, max_length=200)
    will_ask_up_to: str = Field(default="I'll ask you up to {questions}", min_length=1, max_length=200)
    question_count_one: str = Field(default="1 short question", min_length=1, max_length=100)
    question_count: str = Field(default="{count} short questions", min_length=1, max_length=100)
    more_count_one: str = Field(default="1 more short question", min_length=1, max_length=100)
    more_count: str = Field(default="{count} more short questions", min_length=1, max_length=100)

    @model_validator(mode="after")
    def _needed_said(self) -> InterviewWords:
        for name, needed in INTERVIEW_NEEDS.items():
            missing = [f"{{{p}}}" for p in needed if p not in template_fields(getattr(self, name))]
            if missing:
                raise ValueError(f"{name}: must say {', '.join(missing)}")
        return self

    def will_ask_count(self, left: int, *, more: bool, up_to: bool) -> str:
        """``I'll ask you up to 9 short questions``: ``left`` questions to come (``more``: after some answered)."""
        noun = ("more_count" if more else "question_count") + ("_one" if left == 1 else "")
        count = getattr(self, noun) if left == 1 else self.say(noun, count=left)
        return self.say("will_ask_up_to" if up_to else "will_ask", questions=count)
