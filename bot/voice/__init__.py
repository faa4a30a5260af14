"""A programme's voice: every message it sends about onboarding, a pair and a match, its check-in plan and
when a silence is worth an organiser's attention — as data.

Each question preset has a voice preset (``bot/voice/presets/<name>.toml``): #EduMentoring's informal,
no-pressure voice, Libraries Connected's coach-led one, RunTogether's. A programme's config may override any
message (``[programme.voice]``); ``[programme.nudges]`` still replaces the whole check-in plan. Templates are
checked when the config loads: an unknown ``{placeholder}`` is named in the error.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator, model_validator

from bot.nudges.config import NudgePlanConfig, NudgeStep
from bot.nudges.templates import check_template, render_template, template_fields
from bot.voice.words import (
    ANSWER_PLACEHOLDERS,
    CHECKIN_PLACEHOLDERS,
    ERROR_PLACEHOLDERS,
    EVENT_PLACEHOLDERS,
    GOAL_PLACEHOLDERS,
    INTERVIEW_PLACEHOLDERS,
    LINK_PLACEHOLDERS,
    PROFILE_PLACEHOLDERS,
    STORY_PLACEHOLDERS,
    STRICT,
    SURVEY_WORD_PLACEHOLDERS,
    AnswerWords,
    CheckinButtons,
    CheckinWords,
    ErrorWords,
    EventWords,
    GoalWords,
    InterviewWords,
    LinkWords,
    ProfileWords,
    StoryWords,
    SurveyWords,
)

__all__ = ["ANSWER_PLACEHOLDERS", "CHECKIN_PLACEHOLDERS", "ERROR_PLACEHOLDERS", "EVENT_PLACEHOLDERS", "GOAL_PLACEHOLDERS", "INTERVIEW_PLACEHOLDERS", "LINK_PLACEHOLDERS", "PLACEHOLDERS", "PROFILE_PLACEHOLDERS", "REPLY_KEYS",
           "STORY_PLACEHOLDERS", "SURVEY_WORD_PLACEHOLDERS", "AnswerWords", "CheckinButtons", "CheckinWords", "ErrorWords", "EventWords", "GoalWords",
           "InterviewWords", "LinkWords", "ProfileWords", "StoryWords", "SurveyWords",
           "Voice", "VoiceOverrides", "load_voice", "resolve_voice"]

_STRICT = STRICT

#: The placeholders each message may use (and that its sender always fills).
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "welcome": frozenset({"programme", "questions"}),
    "saved": frozenset({"programme"}),
    "paired_dm": frozenset({"partner", "programme", "space"}),
    "first_step": frozenset({"programme"}),
    "match_ended": frozenset({"name", "partner", "programme"}),
    "pause_over": frozenset({"name", "programme"}),
    "pair_reminder": frozenset({"mentor", "mentee", "programme"}),
    "rematch_rolling": frozenset({"programme"}),
    "rematch_round": frozenset({"programme"}),
    "round_not_ready": frozenset({"name", "programme", "round", "missing"}),
    "round_not_eligible": frozenset({"name", "programme", "round", "reason"}),
    "round_too_late": frozenset({"name", "programme", "round", "closed"}),
    "goals_invite": frozenset({"partner", "programme"}),
    "goals_shared": frozenset({"mentee", "programme"}),
    "story_offer": frozenset({"name", "partner", "programme"}),
    "circle_welcome": frozenset({"programme"}),
    "event_reminder": frozenset({"name", "event", "kind", "when", "where", "programme"}),
    "event_starting": frozenset({"event", "where", "programme"}),
    "event_feedback": frozenset({"name", "event", "programme"}),
    "event_cancelled": frozenset({"name", "event", "when", "programme"}),
    "checkin_batch": frozenset({"name", "programme", "count"}),
    "checkin_batch_done": frozenset({"programme"}),
    "partner_left": frozenset({"programme"}),
    "paused_you": frozenset({"programme", "partner"}),
    "partner_paused": frozenset({"programme", "partner"}),
    "lapsed_asker": frozenset({"programme", "partner", "days"}),
    "lapsed_partner": frozenset({"programme", "partner", "days"}),
    "ended_by_organisers": frozenset({"programme", "partner"}),
    "mentor_place_free": frozenset({"programme"}),
    "paused": frozenset({"programme", "until"}),
    "resumed": frozenset({"programme"}),
    "closed_dms": frozenset({"person", "programme"}),
    "dms_reopened": frozenset({"person", "programme"}),
    "pause_carry_on": frozenset(),
    "pause_extend": frozenset({"weeks"}),
    "programme_gone": frozenset(),
    "onboarding_reminder": frozenset({"name", "programme"}),
    "space_topic": frozenset({"programme"}),
    "pod_topic": frozenset({"programme"}),
    "public_reply": frozenset({"programme", "invite_url"}),
    "public_reply_short": frozenset({"programme", "invite_url"}),
}
#: A reply to each check-in button (no placeholders: it is shown to the person who pressed it).
REPLY_KEYS = ("met", "not_yet", "help", "end", "confirm_end", "keep")


class Voice(BaseModel):
    """Everything a programme says, in its own words."""

    model_config = _STRICT

    welcome: str = Field(min_length=1, max_length=600)
    saved: str = Field(min_length=1, max_length=1000)
    paired_dm: str = Field(min_length=1, max_length=600)
    first_step: str = Field(min_length=1, max_length=900)
    match_ended: str = Field(min_length=1, max_length=900)
    pause_over: str = Field(min_length=1, max_length=900)
    pair_reminder: str = Field(min_length=1, max_length=900)
    #: told to someone left without a partner, by the programme's rhythm: back in the rolling pool …
    rematch_rolling: str = Field(min_length=1, max_length=600)
    #: … or kept for the next round
    rematch_round: str = Field(min_length=1, max_length=600)
    #: told once per round to someone left out of it because a prerequisite (e.g. training) is not confirmed
    round_not_ready: str = Field(min_length=1, max_length=900)
    #: told once per round to someone the programme is not open to
    round_not_eligible: str = Field(min_length=1, max_length=900)
    #: told once per round to someone who completed their profile after the round's closing date
    round_too_late: str = Field(min_length=1, max_length=900)
    #: the mentee's invitation, when the pair is introduced, to set one to three goals (their profile's first)
    goals_invite: str = Field(min_length=1, max_length=900)
    #: in the pair's space when the mentee sets or changes the goals (the goals follow as a list)
    goals_shared: str = Field(min_length=1, max_length=600)
    #: the one offer, when a match someone rated highly has ended, to share a short story
    story_offer: str = Field(min_length=1, max_length=900)
    #: posted once in the mentor circle when the bot opens it
    circle_welcome: str = Field(min_length=1, max_length=900)
    #: a programme event's reminder, in the person's daytime ({when}: in their own time zone)
    event_reminder: str = Field(min_length=1, max_length=900)
    #: posted (and sent to those interested) when an event starts, with its link or place
    event_starting: str = Field(min_length=1, max_length=900)
    #: the one question after an event, to those who attended (answered with buttons)
    event_feedback: str = Field(min_length=1, max_length=900)
    #: told to those interested when an organiser cancels an event
    event_cancelled: str = Field(min_length=1, max_length=900)
    #: one check-in for someone with several partners (a mentor with several mentees): above the list
    checkin_batch: str = Field(min_length=1, max_length=600)
    #: the one acknowledgement once every pairing of that check-in is answered
    checkin_batch_done: str = Field(min_length=1, max_length=600)
    #: the end of a match, told to each person (a mentee is then told what happens next: rematch_*; a
    #: mentor: mentor_place_free): their partner left the programme …
    partner_left: str = Field(min_length=1, max_length=900)
    #: … an organiser paused them / their partner is taking a break …
    paused_you: str = Field(min_length=1, max_length=900)
    partner_paused: str = Field(min_length=1, max_length=900)
    #: … an end request nobody answered went through (to who asked / to their partner; {days}: "7 days") …
    lapsed_asker: str = Field(min_length=1, max_length=900)
    lapsed_partner: str = Field(min_length=1, max_length=900)
    #: … the organisers ended it (their note, if any, follows)
    ended_by_organisers: str = Field(min_length=1, max_length=900)
    mentor_place_free: str = Field(min_length=1, max_length=300)
    #: the answer to /pause ({until}: the date it ends) and to /resume
    paused: str = Field(min_length=1, max_length=600)
    resumed: str = Field(min_length=1, max_length=600)
    #: told to the organisers, once, when a person's DMs are found closed ({person}: a mention of them)
    closed_dms: str = Field(default="ℹ️ {person} has closed their DMs, so I'm reaching them outside DMs instead: "
                                    "check-ins in their pair's space (in a mentor's pod, a private thread), surveys "
                                    "and event messages in a private thread only they and the organisers can see. "
                                    "Nothing is lost: every message still reaches them. I'll try their DMs again "
                                    "once a week and tell you if they open.", min_length=1, max_length=900)
    #: told to the organisers, once, when DMs found closed reach the person again ({person}: a mention of them)
    dms_reopened: str = Field(default="ℹ️ {person}'s DMs are open again: their check-ins, surveys and event "
                                      "messages come by DM again.", min_length=1, max_length=900)
    #: the two buttons under pause_over (Discord: 80 characters a label): carry on (answered with ``resumed``)
    #: or pause {weeks} more weeks (answered with ``paused``)
    pause_carry_on: str = Field(default="Carry on", min_length=1, max_length=80)
    pause_extend: str = Field(default="Pause {weeks} more weeks", min_length=1, max_length=80)
    #: a click on a message of a programme the bot no longer runs (said in the voice of the bot's one
    #: programme; with several, this default)
    programme_gone: str = Field(default="This programme no longer exists.", min_length=1, max_length=300)
    #: a reminder to finish the interview, above the question they were on (a config's
    #: ``[onboarding_reminders] text`` replaces it)
    onboarding_reminder: str = Field(default="Hi {name}, you're nearly set up for {programme}. Pick up where you "
                                             "left off — here is the question you were on:", min_length=1,
                                     max_length=1800)
    #: the topic of a pair's private space / a mentor's pod (the bot's marker follows it)
    space_topic: str = Field(default="Private space of a {programme} mentoring pair", min_length=1, max_length=900)
    pod_topic: str = Field(default="Private pod of a {programme} mentor and their mentees", min_length=1,
                           max_length=900)
    #: the bot's public reply to a post with the programme's hashtag ({invite_url}: the server's invite, which
    #: it must say; never a code), and its short form when that is over X's 280 characters
    public_reply: str = Field(default="Thanks for posting in {programme}! Join us on Discord: {invite_url} — then use "
                                      "/link there to connect this account to you.", min_length=1, max_length=250)
    public_reply_short: str = Field(default="{programme}: join us at {invite_url} (then /link there)", min_length=1,
                                    max_length=120)
    replies: dict[str, str]
    #: the labels of a check-in's buttons
    checkin_buttons: CheckinButtons = Field(default_factory=CheckinButtons)
    #: the words around survey questions
    surveys: SurveyWords = Field(default_factory=SurveyWords)
    #: the answers to a check-in click that cannot count
    checkin_words: CheckinWords = Field(default_factory=CheckinWords)
    #: the words around the interview's questions
    interview: InterviewWords = Field(default_factory=InterviewWords)
    #: the answers to a member's own commands (/leave, /mydata, /profile)
    profile: ProfileWords = Field(default_factory=ProfileWords)
    #: what an interview answer that cannot be taken is told
    answers: AnswerWords = Field(default_factory=AnswerWords)
    #: the words around a pair's goals: on a check-in, their form and buttons, /goals view
    goals: GoalWords = Field(default_factory=GoalWords)
    #: the words of sharing a story after a match
    stories: StoryWords = Field(default_factory=StoryWords)
    #: the words around a programme's events: a reminder's buttons, the kind and place, the answers
    events: EventWords = Field(default_factory=EventWords)
    #: the answers of /link (proving an account that posted with the hashtag is the member's)
    link: LinkWords = Field(default_factory=LinkWords)
    #: the one answer to a command, button or form that cannot be done
    errors: ErrorWords = Field(default_factory=ErrorWords)
    #: "Not yet" answers in a row (without meeting) before the organisers hear of it; 0: never
    not_yet_escalate_after: int = Field(default=2, ge=0, le=20)
    #: days after which an unanswered "End this match" request ends the match (both told)
    end_request_days: int = Field(default=7, ge=1, le=90)
    #: the programme's default check-in plan (used unless the config gives ``[programme.nudges]``)
    checkins: list[NudgeStep] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _templates(self) -> Voice:
        for name, allowed in PLACEHOLDERS.items():
            try:
                check_template(getattr(self, name), allowed)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        missing = [k for k in REPLY_KEYS if not self.replies.get(k)]
        if missing or set(self.replies) - set(REPLY_KEYS):
            raise ValueError(f"replies needs exactly these keys: {', '.join(REPLY_KEYS)}")
        for key in REPLY_KEYS:
            try:
                check_template(self.replies[key], ())
            except ValueError as exc:
                raise ValueError(f"replies: {key}: {exc}") from None
        for name in ("public_reply", "public_reply_short"):  # a public invite without its link invites nobody
            if "invite_url" not in template_fields(getattr(self, name)):
                raise ValueError(f"{name}: must say {{invite_url}}")
        NudgePlanConfig(steps=self.checkins)  # unique step keys
        return self

    def say(self, message: str, /, **values: object) -> str:
        """Render one message (``message`` names a field above) with its placeholders filled."""
        return render_template(getattr(self, message), values, allowed=PLACEHOLDERS[message])

    def plan(self) -> NudgePlanConfig:
        return NudgePlanConfig(steps=list(self.checkins)) if self.checkins else NudgePlanConfig()


#: each feature's table of words in ``[programme.voice]``: its words' model, and what an unknown key is called
WORD_TABLES: dict[str, tuple[type[BaseModel], str]] = {
    "surveys": (SurveyWords, "survey words"),
    "interview": (InterviewWords, "interview words"),
    "profile": (ProfileWords, "profile words"),
    "answers": (AnswerWords, "answer words"),
    "goals": (GoalWords, "goal words"),
    "stories": (StoryWords, "story words"),
    "events": (EventWords, "event words"),
    "link": (LinkWords, "link words"),
    "errors": (ErrorWords, "error words"),
    "checkin_buttons": (CheckinButtons, "check-in button"),
    "checkin_words": (CheckinWords, "check-in words"),
}


class VoiceOverrides(BaseModel):
    """``[programme.voice]``: any message of the preset's voice, replaced (replies one by one)."""

    model_config = _STRICT

    welcome: str | None = Field(default=None, min_length=1, max_length=600)
    saved: str | None = Field(default=None, min_length=1, max_length=1000)
    paired_dm: str | None = Field(default=None, min_length=1, max_length=600)
    first_step: str | None = Field(default=None, min_length=1, max_length=900)
    match_ended: str | None = Field(default=None, min_length=1, max_length=900)
    pause_over: str | None = Field(default=None, min_length=1, max_length=900)
    pair_reminder: str | None = Field(default=None, min_length=1, max_length=900)
    rematch_rolling: str | None = Field(default=None, min_length=1, max_length=600)
    rematch_round: str | None = Field(default=None, min_length=1, max_length=600)
    round_not_ready: str | None = Field(default=None, min_length=1, max_length=900)
    round_not_eligible: str | None = Field(default=None, min_length=1, max_length=900)
    round_too_late: str | None = Field(default=None, min_length=1, max_length=900)
    goals_invite: str | None = Field(default=None, min_length=1, max_length=900)
    goals_shared: str | None = Field(default=None, min_length=1, max_length=600)
    story_offer: str | None = Field(default=None, min_length=1, max_length=900)
    circle_welcome: str | None = Field(default=None, min_length=1, max_length=900)
    event_reminder: str | None = Field(default=None, min_length=1, max_length=900)
    event_starting: str | None = Field(default=None, min_length=1, max_length=900)
    event_feedback: str | None = Field(default=None, min_length=1, max_length=900)
    event_cancelled: str | None = Field(default=None, min_length=1, max_length=900)
    checkin_batch: str | None = Field(default=None, min_length=1, max_length=600)
    checkin_batch_done: str | None = Field(default=None, min_length=1, max_length=600)
    partner_left: str | None = Field(default=None, min_length=1, max_length=900)
    paused_you: str | None = Field(default=None, min_length=1, max_length=900)
    partner_paused: str | None = Field(default=None, min_length=1, max_length=900)
    lapsed_asker: str | None = Field(default=None, min_length=1, max_length=900)
    lapsed_partner: str | None = Field(default=None, min_length=1, max_length=900)
    ended_by_organisers: str | None = Field(default=None, min_length=1, max_length=900)
    mentor_place_free: str | None = Field(default=None, min_length=1, max_length=300)
    paused: str | None = Field(default=None, min_length=1, max_length=600)
    resumed: str | None = Field(default=None, min_length=1, max_length=600)
    closed_dms: str | None = Field(default=None, min_length=1, max_length=900)
    dms_reopened: str | None = Field(default=None, min_length=1, max_length=900)
    pause_carry_on: str | None = Field(default=None, min_length=1, max_length=80)
    pause_extend: str | None = Field(default=None, min_length=1, max_length=80)
    programme_gone: str | None = Field(default=None, min_length=1, max_length=300)
    onboarding_reminder: str | None = Field(default=None, min_length=1, max_length=1800)
    space_topic: str | None = Field(default=None, min_length=1, max_length=900)
    pod_topic: str | None = Field(default=None, min_length=1, max_length=900)
    public_reply: str | None = Field(default=None, min_length=1, max_length=250)
    public_reply_short: str | None = Field(default=None, min_length=1, max_length=120)
    replies: dict[str, str] = Field(default_factory=dict)
    checkin_buttons: dict[str, str] = Field(default_factory=dict)
    surveys: dict[str, str] = Field(default_factory=dict)
    checkin_words: dict[str, str] = Field(default_factory=dict)
    interview: dict[str, str] = Field(default_factory=dict)
    profile: dict[str, str] = Field(default_factory=dict)
    answers: dict[str, str] = Field(default_factory=dict)
    goals: dict[str, str] = Field(default_factory=dict)
    stories: dict[str, str] = Field(default_factory=dict)
    events: dict[str, str] = Field(default_factory=dict)
    link: dict[str, str] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict)
    not_yet_escalate_after: int | None = Field(default=None, ge=0, le=20)
    end_request_days: int | None = Field(default=None, ge=1, le=90)

    @field_validator("replies")
    @classmethod
    def _known_replies(cls, replies: dict[str, str]) -> dict[str, str]:
        unknown = set(replies) - set(REPLY_KEYS)
        if unknown:
            raise ValueError(f"unknown reply {sorted(unknown)[0]!r}; known: {', '.join(REPLY_KEYS)}")
        return replies

    @field_validator(*WORD_TABLES)
    @classmethod
    def _known_words(cls, words: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        """A table's keys are its feature's words only (an unknown one is named with the known ones)."""
        model, noun = WORD_TABLES[str(info.field_name)]
        unknown = set(words) - set(model.model_fields)
        if unknown:
            raise ValueError(f"unknown {noun} {sorted(unknown)[0]!r}; known: {', '.join(model.model_fields)}")
        return words


@lru_cache(maxsize=16)
def load_voice(preset: str) -> Voice:
    """The shipped voice of a question preset. ValueError for an unknown or broken one."""
    try:
        text = resources.files("bot.voice").joinpath("presets", f"{preset}.toml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"there is no voice for the preset {preset!r}") from None
    try:
        return Voice.model_validate(tomllib.loads(text))
    except ValidationError as exc:  # a broken shipped voice is a bug; say where
        raise ValueError(f"voice {preset!r} is invalid: {exc}") from exc


def resolve_voice(preset: str, overrides: VoiceOverrides | None = None) -> Voice:
    """The preset's voice with the programme's overrides laid over it (checked again as a whole)."""
    base = load_voice(preset)
    if overrides is None:
        return base
    data: dict[str, Any] = base.model_dump()
    tables = tuple(WORD_TABLES)
    for name, value in overrides.model_dump(exclude={"replies", *tables}).items():
        if value is not None:
            data[name] = value
    data["replies"] = {**base.replies, **overrides.replies}
    for table in tables:
        data[table] = {**data[table], **getattr(overrides, table)}
    try:
        return Voice.model_validate(data)
    except ValidationError as exc:  # name the key under the programme's [programme.voice]
        first = exc.errors()[0]
        where = ".".join(["voice", *(str(part) for part in first["loc"])])
        reason = str(first["msg"]).removeprefix("Value error, ")
        key, _, rest = reason.partition(": ")  # a table's text (see _check_words): its key joins the path
        if rest and key.isidentifier() and (not first["loc"] or first["loc"][-1] in tables):
            where, reason = f"{where}.{key}", rest
        raise ValueError(f"{where}: {reason}") from None
