"""Every message of every programme's voice, rendered: within Discord's limits, every placeholder filled, no
raw ids, correct plurals, and each programme in its own words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import ProgrammeConfig, parse_config
from bot.config_errors import ConfigError
from bot.nudges.answers import NotifyOrganisers, NudgeRecord, follow_up
from bot.nudges.templates import NUDGE_PLACEHOLDERS, render_template, template_fields
from bot.onboarding.questions import PRESETS
from bot.voice import (
    ANSWER_PLACEHOLDERS,
    CHECKIN_PLACEHOLDERS,
    ERROR_PLACEHOLDERS,
    EVENT_PLACEHOLDERS,
    GOAL_PLACEHOLDERS,
    INTERVIEW_PLACEHOLDERS,
    LINK_PLACEHOLDERS,
    PLACEHOLDERS,
    PROFILE_PLACEHOLDERS,
    REPLY_KEYS,
    STORY_PLACEHOLDERS,
    SURVEY_WORD_PLACEHOLDERS,
    Voice,
    VoiceOverrides,
    load_voice,
    resolve_voice,
)

LONG_NAME = "Oluwaseun Adébáyọ̀-Fitzgerald Montgomery-Smythe"[:60]
SAMPLE: dict[str, str] = {
    "programme": "Libraries Connected Peer Mentoring for Heads of Service and Emerging Leaders",
    "partner": LONG_NAME, "name": LONG_NAME, "mentor": LONG_NAME, "mentee": "Sam Lee",
    "space": "https://discord.com/channels/1546444918065463299/1546445022516216837",
    "questions": "I'll ask you up to 11 short questions", "week": "5", "count": "12",
    "round": "Round 2", "closed": "Wednesday 30 December 2026", "missing": "the mentoring induction and the safeguarding module",
    "reason": "this scheme is open to leaders in England, Wales, Northern Ireland and the Crown Dependencies",
    "event": "Mentors' development day: supporting new run leaders through their first winter", "kind": "development day",
    "when": "Saturday 14 November 2026, 10:00–16:00 (your time)",
    "where": "Join online: https://meet.example/abc-defg-hij", "days": "14 days", "until": "21 September 2026",
    "person": f"@{LONG_NAME}", "weeks": "2", "invite_url": "https://discord.gg/LibrariesConnectedPeerMentoring",
}
INTERVIEW_SAMPLE: dict[str, object] = {
    "number": 3, "total": 11, "answer": "Head of Service (or equivalent), Libraries and Registration",
    "question": "Which best describes your current role?", "programme": SAMPLE["programme"],
    "low": 1, "high": 3, "count": 2, "label": "Consent to share your answers", "person": SAMPLE["person"],
    "questions": "11 short questions",
}
#: the values each check-in and survey word is sent with
WORDS_SAMPLE: dict[str, object] = {
    "answer": "We've met", "partner": LONG_NAME, "programme": SAMPLE["programme"], "first": 5, "last": 8,
    "week": 12, "count": 12, "question": "How confident do you feel right now?", "until": SAMPLE["until"],
    "prerequisite": "safeguarding training", "round": SAMPLE["round"],
    "asks": "mentoring-induction, safeguarding-module",
}
#: the values each goal and story word is sent with
GOAL_SAMPLE: dict[str, object] = {
    "mentee": LONG_NAME, "mentor": LONG_NAME, "number": 3, "programme": SAMPLE["programme"], "button": "Goal progress",
    "goals": "1. Build confidence in working with Councillors\n2. Protect time for reflection", "progress": "🟡 Under way",
    "count": 12, "with_goals": 9, "pairs": "11 pairs", "states": "⚪ Not started 2 · 🟡 Under way 5 · ✅ Achieved 3"}
STORY_SAMPLE: dict[str, object] = {"platform": "Mastodon", "button": "Yes, share it",
                                   "reason": "the post was refused: rate limited for 15 minutes",
                                   "person": SAMPLE["person"], "error": "HTTP 504 Gateway Timeout after 30 s",
                                   "story": "“Protected time to reflect with a peer helped me lead my team.”\n— a mentee"}
#: the values each event word is sent with
EVENT_SAMPLE: dict[str, object] = {"link": "https://meet.example/abc-defg-hij", "place": "Leeds Central Library, Room 2",
                                   "event": "Mentors' development day: supporting new run leaders through winter"}
#: the values each /link word is sent with
LINK_SAMPLE: dict[str, object] = {"account": "@amara_teaches_maths_and_more on Bluesky", "post": "#LibMentoring LIB-7KQ2-X9",
                                  "hours": 24, "wait": "12 minutes", "handle": "amara.bsky.social",
                                  "platform": "Bluesky", "count": 12}
#: the values each error word is sent with
ERROR_SAMPLE: dict[str, object] = {"seconds": "12", "value": "'Round 2 (spring cohort, Heads of Service)'"}
#: the values each answer check's words are sent with
ANSWER_SAMPLE: dict[str, object] = {
    "options": "Head of Service, Senior Manager, Team Leader, Librarian, Other", "count": 3, "low": 1, "high": 15,
    "answer": "'twelve-ish'", "length": 1234, "problems": "Role: not one of the options; Mentees: not answered",
    "question": "Which best describes your current role?",
}
TEACHER_WORDS = re.compile(r"\b(teach\w*|school\w*|pupil\w*|trainee\w*|headteacher\w*|NQT|SLT|lesson\w*|"
                           r"classroom\w*|#EduMentoring|early[- ]career|middle[- ]leader|phase|subject\w*)\b", re.I)
WRONG_PLURAL = re.compile(r"\b1 \w+s\b|\(s\)|\(es\)")
PYTHON_NONE = re.compile(r"\bNone\b(?! of)")  # a missing value rendered (not the button "None of these")
RAW_ID = re.compile(r"(?<![/\d])\d{15,}(?![/\d])")


def every_message(voice: Voice) -> dict[str, str]:
    """name → the text as sent (the space link is a URL, so ids inside it are where Discord puts them)."""
    out = {name: voice.say(name, **{k: SAMPLE[k] for k in allowed}) for name, allowed in PLACEHOLDERS.items()}
    out |= {f"reply.{key}": voice.replies[key] for key in REPLY_KEYS}
    out |= {f"surveys.{key}": voice.surveys.say(key, **{k: WORDS_SAMPLE[k] for k in allowed})
            for key in voice.surveys.model_dump() for allowed in [SURVEY_WORD_PLACEHOLDERS.get(key, ())]}
    out |= {f"checkin_words.{key}": voice.checkin_words.say(key, **{k: WORDS_SAMPLE[k] for k in allowed})
            for key in voice.checkin_words.model_dump() for allowed in [CHECKIN_PLACEHOLDERS.get(key, ())]}
    out |= {f"checkin_buttons.{key}": voice.checkin_buttons.label(key) for key in voice.checkin_buttons.model_dump()}
    out |= {f"interview.{key}": voice.interview.say(key, **{k: INTERVIEW_SAMPLE[k] for k in allowed})
            for key in voice.interview.model_dump() for allowed in [INTERVIEW_PLACEHOLDERS.get(key, ())]}
    out |= {f"profile.{key}": voice.profile.say(key, **{k: WORDS_SAMPLE[k] for k in allowed})
            for key in voice.profile.model_dump() for allowed in [PROFILE_PLACEHOLDERS.get(key, ())]}
    out |= {f"answers.{key}": voice.answers.say(key, **{k: ANSWER_SAMPLE[k] for k in allowed})
            for key in voice.answers.model_dump() for allowed in [ANSWER_PLACEHOLDERS.get(key, ())]}
    out |= {f"goals.{key}": voice.goals.say(key, **{k: GOAL_SAMPLE[k] for k in allowed})
            for key in voice.goals.model_dump() for allowed in [GOAL_PLACEHOLDERS.get(key, ())]}
    out |= {f"stories.{key}": voice.stories.say(key, **{k: STORY_SAMPLE[k] for k in allowed})
            for key in voice.stories.model_dump() for allowed in [STORY_PLACEHOLDERS.get(key, ())]}
    out |= {f"events.{key}": voice.events.say(key, **{k: EVENT_SAMPLE[k] for k in allowed})
            for key in voice.events.model_dump() for allowed in [EVENT_PLACEHOLDERS.get(key, ())]}
    out |= {f"link.{key}": voice.link.say(key, **{k: LINK_SAMPLE[k] for k in allowed})
            for key in voice.link.model_dump() for allowed in [LINK_PLACEHOLDERS.get(key, ())]}
    out |= {f"errors.{key}": voice.errors.say(key, **{k: ERROR_SAMPLE[k] for k in allowed})
            for key in voice.errors.model_dump() for allowed in [ERROR_PLACEHOLDERS.get(key, ())]}
    for step in voice.checkins:
        out[f"checkin.{step.key}"] = render_template(step.text, SAMPLE, allowed=NUDGE_PLACEHOLDERS)
    return out


@pytest.mark.parametrize("preset", PRESETS)
def test_every_message_fits_discord_and_fills_every_placeholder(preset: str) -> None:
    voice = load_voice(preset)
    assert voice.checkins, "each programme has its own check-in plan"
    assert voice.surveys.model_fields_set == set(type(voice.surveys).model_fields), "survey words in its own voice"
    assert voice.checkin_words.model_fields_set == set(type(voice.checkin_words).model_fields)
    assert voice.interview.model_fields_set == set(type(voice.interview).model_fields)
    assert voice.checkin_buttons.model_fields_set == set(type(voice.checkin_buttons).model_fields)
    assert voice.profile.model_fields_set == set(type(voice.profile).model_fields)
    assert voice.answers.model_fields_set == set(type(voice.answers).model_fields)
    assert voice.goals.model_fields_set == set(type(voice.goals).model_fields)
    assert voice.stories.model_fields_set == set(type(voice.stories).model_fields)
    assert voice.events.model_fields_set == set(type(voice.events).model_fields)
    assert voice.link.model_fields_set == set(type(voice.link).model_fields)
    assert voice.errors.model_fields_set == set(type(voice.errors).model_fields)
    for name, text in every_message(voice).items():
        assert 0 < len(text) <= 2000 - 60, name  # room for the bot's "-# ref" marker
        assert "{" not in text and "}" not in text and not PYTHON_NONE.search(text), name
        assert "  " not in text and " ." not in text and " ," not in text, name  # no empty placeholder
        assert not WRONG_PLURAL.search(text), (name, text)
        assert not RAW_ID.search(text.replace(SAMPLE["space"], "")), name
    for name, allowed in PLACEHOLDERS.items():
        assert set(template_fields(getattr(voice, name))) <= allowed


@pytest.mark.parametrize("preset", [p for p in PRESETS if p != "edumentoring"])
def test_no_teacher_words_outside_edumentoring(preset: str) -> None:
    for name, text in every_message(load_voice(preset)).items():
        assert not TEACHER_WORDS.search(text), (preset, name, TEACHER_WORDS.search(text))


def test_edumentoring_speaks_without_pressure_and_never_chases_a_not_yet() -> None:
    voice = load_voice("edumentoring")
    texts = " ".join(every_message(voice).values())
    assert "30-minute" not in texts and "this week" not in texts
    assert "no pressure" in voice.first_step.lower() and "patient" in voice.first_step
    assert voice.not_yet_escalate_after == 0
    t0 = datetime(2026, 1, 8, 10, tzinfo=UTC)
    history = [NudgeRecord(i, who, step, t0 + timedelta(days=d), "not_yet" if i == 1 else None, occurrence=1)
               for i, (who, step, d) in enumerate([("ana", "day3", 3), ("ben", "day3", 3), ("ana", "week2", 14),
                                                    ("ben", "week2", 14)], start=1)]
    actions = follow_up(history, nudge_id=4, answer="not_yet", by="ben", pair=("ana", "ben"),
                        not_yet_escalate_after=voice.not_yet_escalate_after)
    assert not any(isinstance(a, NotifyOrganisers) for a in actions)
    escalating = follow_up(history, nudge_id=4, answer="not_yet", by="ben", pair=("ana", "ben"),
                           not_yet_escalate_after=load_voice("libraries").not_yet_escalate_after)
    assert any(isinstance(a, NotifyOrganisers) and a.reason == "not_yet_twice" for a in escalating)


def test_a_programme_uses_its_presets_voice_and_check_in_plan_unless_its_config_overrides_them() -> None:
    libraries = ProgrammeConfig(key="lib", name="Libraries Connected", guild_id=1,
                                questions={"preset": "libraries"})  # type: ignore[arg-type]
    assert libraries.messages() == load_voice("libraries")
    assert [s.text for s in libraries.nudges.steps] == [s.text for s in load_voice("libraries").checkins]
    custom = ProgrammeConfig(key="lib", name="Libraries Connected", guild_id=1,  # type: ignore[arg-type]
                             questions={"preset": "libraries"},
                             voice={"first_step": "Meet within a month, {programme}.", "replies": {"met": "Great!"}})
    assert custom.messages().first_step == "Meet within a month, {programme}."
    assert custom.messages().replies["met"] == "Great!" and custom.messages().replies["help"]
    with pytest.raises(ValueError, match="unknown placeholder"):
        resolve_voice("libraries", VoiceOverrides(first_step="Hello {partner_phone}"))


def test_a_programme_may_reword_the_interviews_count_and_a_checkin_refusal_but_not_invent_placeholders() -> None:
    voice = resolve_voice("runtogether", VoiceOverrides(interview={"progress": "Leg {number} of {total}"},
                                                        checkin_words={"partner_only": "Over to your partner!"},
                                                        surveys={"write_label": "Your story"}))
    assert voice.interview.say("progress", number=2, total=9) == "Leg 2 of 9"
    assert voice.interview.consent_yes == load_voice("runtogether").interview.consent_yes  # the rest: the preset's
    assert voice.checkin_words.say("partner_only") == "Over to your partner!"
    assert voice.surveys.write_label == "Your story"
    with pytest.raises(ValueError, match="unknown placeholder"):
        resolve_voice("runtogether", VoiceOverrides(interview={"dm_help": "Hi {name}, use /join"}))
    with pytest.raises(ValueError, match="at most 45"):
        resolve_voice("runtogether", VoiceOverrides(surveys={"write_label": "x" * 46}))


@pytest.mark.parametrize(("voice", "problem"), [
    ({"checkin_buttons": {"met": "x" * 81}}, "programme[0]: voice.checkin_buttons.met: must have at most 80 characters"),
    ({"checkin_buttons": {"meet": "Met"}}, "programme[0].voice.checkin_buttons: unknown check-in button 'meet'"),
    ({"checkin_words": {"end_request": "{partner} wants out ({phone})"}},
     "programme[0]: voice.checkin_words.end_request: unknown placeholder {phone}"),
    ({"checkin_words": {"batch_pick": "y" * 151}}, "programme[0]: voice.checkin_words.batch_pick: must have at most 150"),
    ({"interview": {"confirm_button": "z" * 81}}, "programme[0]: voice.interview.confirm_button: must have at most 80"),
    ({"interview": {"answer_title": "w" * 46}}, "programme[0]: voice.interview.answer_title: must have at most 45"),
    ({"interview": {"consent_refused": "Agree to {question}"}},
     "programme[0]: voice.interview.consent_refused: unknown placeholder {question}"),
    ({"profile": {"leave_button": "x" * 81}}, "programme[0]: voice.profile.leave_button: must have at most 80"),
    ({"profile": {"edit_menu": "y" * 151}}, "programme[0]: voice.profile.edit_menu: must have at most 150"),
    ({"profile": {"left": "Bye {name}"}}, "programme[0]: voice.profile.left: unknown placeholder {name}"),
    ({"profile": {"leave": "Bye"}}, "programme[0].voice.profile: unknown profile words 'leave'"),
    ({"answers": {"pick_one": "Pick one"}}, "programme[0]: voice.answers.pick_one: must say {options}"),
    ({"interview": {"will_ask_up_to": "A few questions"}},
     "programme[0]: voice.interview.will_ask_up_to: must say {questions}"),
    ({"surveys": {"about": "About {mentee}:"}}, "programme[0]: voice.surveys.about: unknown placeholder {mentee}"),
    ({"answers": {"keep_short": "Too long ({max})"}}, "programme[0]: voice.answers.keep_short: unknown placeholder {max}"),
    ({"answers": {"answered_before": "Done: {label}"}},
     "programme[0]: voice.answers.answered_before: unknown placeholder {label}"),
    ({"goals": {"progress_button": "g" * 81}}, "programme[0]: voice.goals.progress_button: must have at most 80"),
    ({"goals": {"form_title": "t" * 46}}, "programme[0]: voice.goals.form_title: must have at most 45"),
    ({"goals": {"goal_optional": "Goal {n} (if you like)"}},
     "programme[0]: voice.goals.goal_optional: unknown placeholder {n}"),
    ({"goals": {"view_mentor": "{partner}'s goals"}}, "programme[0]: voice.goals.view_mentor: unknown placeholder {partner}"),
    ({"goals": {"saved": "Saved, {name}! {goals}"}}, "programme[0]: voice.goals.saved: unknown placeholder {name}"),
    ({"goals": {"saved": "Saved!"}}, "programme[0]: voice.goals.saved: must say {goals}"),
    ({"goals": {"pair_count": "some pairs"}}, "programme[0]: voice.goals.pair_count: must say {count}"),
    ({"goals": {"pair_title": "{mentor} and {partner}"}},
     "programme[0]: voice.goals.pair_title: unknown placeholder {partner}"),
    ({"goals": {"under_way": "u" * 81}}, "programme[0]: voice.goals.under_way: must have at most 80"),
    ({"stories": {"share_button": "s" * 81}}, "programme[0]: voice.stories.share_button: must have at most 80"),
    ({"stories": {"form_label": "l" * 46}}, "programme[0]: voice.stories.form_label: must have at most 45"),
    ({"stories": {"posted": "Up on {site}!"}}, "programme[0]: voice.stories.posted: unknown placeholder {site}"),
    ({"stories": {"offer": "Share?"}}, "programme[0].voice.stories: unknown story words 'offer'"),
    ({"events": {"where_place": "At {venue}"}}, "programme[0]: voice.events.where_place: unknown placeholder {venue}"),
    ({"events": {"going_button": "g" * 81}}, "programme[0]: voice.events.going_button: must have at most 80"),
    ({"events": {"rsvp": "Coming?"}}, "programme[0].voice.events: unknown event words 'rsvp'"),
    ({"link": {"prove": "Post your code from {account}"}}, "programme[0]: voice.link.prove: must say {post}"),
    ({"link": {"linked": "Linked {handle}!"}}, "programme[0]: voice.link.linked: unknown placeholder {handle}"),
    ({"errors": {"cooldown": "Wait {minutes} min"}}, "programme[0]: voice.errors.cooldown: unknown placeholder {minutes}"),
    ({"stories": {"to_organisers": "A story from {person}"}}, "programme[0]: voice.stories.to_organisers: must say {story}"),
    ({"stories": {"unclear_notice": "Check {site}"}}, "programme[0]: voice.stories.unclear_notice: unknown placeholder {site}"),
    ({"stories": {"signed_mentee": "s" * 41}}, "programme[0]: voice.stories.signed_mentee: must have at most 40"),
    ({"profile": {"status_field": "f" * 257}}, "programme[0]: voice.profile.status_field: must have at most 256"),
    ({"profile": {"ready": "Thanks {name}!"}}, "programme[0]: voice.profile.ready: unknown placeholder {name}"),
    ({"profile": {"match_as_mentee": "with {mentor}"}},
     "programme[0]: voice.profile.match_as_mentee: unknown placeholder {mentor}"),
    ({"profile": {"status_paused": "p" * 201}}, "programme[0]: voice.profile.status_paused: must have at most 200"),
    ({"programme_gone": "{programme} is gone"}, "programme[0]: voice.programme_gone: unknown placeholder {programme}"),
    ({"surveys": {"grouped_partner": "your {n} mentees"}}, "programme[0]: voice.surveys.grouped_partner: unknown placeholder {n}"),
    ({"closed_dms": "{who} has closed their DMs"}, "programme[0]: voice.closed_dms: unknown placeholder {who}"),
    ({"public_reply": "Welcome to {programme}!"}, "programme[0]: voice.public_reply: must say {invite_url}"),
    ({"public_reply": "Join {invite_url} with code {code}"},
     "programme[0]: voice.public_reply: unknown placeholder {code}"),
])
def test_a_bad_word_stops_start_up_naming_its_key(voice: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({"programme": [{"key": "lib", "name": "Libraries Connected", "guild_id": 1,
                                     "questions": {"preset": "libraries"}, "voice": voice}]})
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems


def test_a_programmes_voice_is_resolved_once_and_a_copy_with_other_words_speaks_them() -> None:
    """Every message the bot sends asks for the voice; resolving it checks every text, so it is done once per
    config — and a config copied with other words (an organiser's edit) says the new ones, never the old."""
    config = ProgrammeConfig(key="lib", name="Libraries Connected", guild_id=1,  # type: ignore[arg-type]
                             questions={"preset": "libraries"})
    first = config.messages()
    assert config.messages() is first
    edited = config.model_copy(update={"voice": VoiceOverrides(welcome="Welcome to the network of {programme}! {questions} first.")})
    assert edited.messages().welcome == "Welcome to the network of {programme}! {questions} first."
    assert config.messages().welcome == first.welcome != edited.messages().welcome
    other = config.model_copy(update={"questions": config.questions.model_copy(update={"preset": "edumentoring"})})
    assert other.messages().welcome == load_voice("edumentoring").welcome


@pytest.mark.parametrize("table", ["surveys", "interview", "profile", "answers", "goals", "stories", "events", "link", "errors",
                                   "checkin_buttons", "checkin_words"])
def test_an_unknown_key_in_any_table_of_words_is_named_with_the_known_ones(table: str) -> None:
    from pydantic import ValidationError

    from bot.voice import WORD_TABLES

    model, noun = WORD_TABLES[table]
    with pytest.raises(ValidationError) as refused:
        VoiceOverrides.model_validate({table: {"nonsense": "x"}})
    message = str(refused.value)
    assert f"unknown {noun} 'nonsense'" in message
    assert next(iter(model.model_fields)) in message  # what may be written there instead


def test_the_welcomes_promise_counts_one_question_without_a_plural_in_each_programmes_words() -> None:
    from bot.voice import InterviewWords

    neutral = InterviewWords()
    assert neutral.will_ask_count(1, more=False, up_to=False) == "I'll ask you 1 short question"
    assert neutral.will_ask_count(9, more=False, up_to=True) == "I'll ask you up to 9 short questions"
    assert neutral.will_ask_count(3, more=True, up_to=True) == "I'll ask you up to 3 more short questions"
    libraries = load_voice("libraries").interview
    assert libraries.will_ask_count(1, more=True, up_to=False) == "I will ask you 1 further question"
    assert libraries.will_ask_count(4, more=True, up_to=True) == "I will ask you up to 4 further questions"


@pytest.mark.parametrize("preset", PRESETS)
def test_each_programmes_public_reply_fits_x_with_the_invite_and_no_code(preset: str) -> None:
    from bot.intake.invite import X_LIMIT, reply_text, x_length

    voice = load_voice(preset)
    text = reply_text(programme=SAMPLE["programme"], invite_url=SAMPLE["invite_url"], handle="a" * 15,
                      template=voice.public_reply, short=voice.public_reply_short)
    assert x_length(text) <= X_LIMIT and SAMPLE["invite_url"] in text and "/link" in text, text
