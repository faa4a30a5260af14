"""Surveys are data: the presets are valid for all three programmes, and a bad survey stops start-up with its
key and the reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import ConfigError, parse_config
from bot.nudges.config import QuietHoursConfig
from bot.nudges.quiet import is_quiet
from bot.surveys import load_survey_preset
from bot.surveys.schedule import survey_due_at, survey_moment
from bot.voice import load_voice

GOOD = {"key": "edu", "name": "Edu", "guild_id": 42}
SCALE = {"key": "confidence", "kind": "scale", "prompt": "How confident?"}


def survey(**changes: object) -> dict[str, object]:
    table: dict[str, object] = {"key": "baseline", "title": "Start", "at": "start", "intro": "Hi {name}",
                                "reminder": "Again, {name}", "questions": [SCALE]}
    table.update(changes)
    return table


def problems_of(*surveys: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config({"programme": [{**GOOD, "surveys": list(surveys)}]})
    return info.value.problems


@pytest.mark.parametrize("preset", ["edumentoring", "libraries", "runtogether"])
def test_every_preset_has_a_baseline_a_midpoint_and_an_end_survey_for_both_roles(preset: str) -> None:
    surveys = load_survey_preset(preset)
    assert [s.at for s in surveys] == ["start", "day", "end"]
    assert all(s.roles == ["mentor", "mentee"] for s in surveys)
    baseline = {q.measure for q in surveys[0].questions if q.measure}
    end = {q.measure for q in surveys[2].questions if q.measure}
    assert "confidence" in baseline and baseline <= end  # every baseline measure is asked again at the end
    assert "recommend" in end
    assert [q.kind for q in surveys[2].questions][-1] == "text"


def test_a_programme_uses_its_presets_surveys_unless_it_declares_its_own() -> None:
    settings = parse_config({"programme": [{**GOOD, "questions": {"preset": "libraries"}},
                                           {**GOOD, "key": "own", "surveys": [survey()]},
                                           {**GOOD, "key": "none", "surveys": []}]})
    lib, own, none = settings.config.programme
    assert [s.key for s in lib.survey_plan()] == ["baseline", "midpoint", "end"]
    assert [s.key for s in own.survey_plan()] == ["baseline"] and none.survey_plan() == []


@pytest.mark.parametrize(("bad", "expected"), [
    (survey(questions=[{**SCALE, "low": 1, "high": 1}]), "high (1) must be above low (1)"),
    (survey(questions=[{**SCALE, "high": 9}]), "programme[0].surveys[0].questions[0].high: must be between 1 and 5"),
    (survey(questions=[{**SCALE, "kind": "slider"}]),
     "programme[0].surveys[0].questions[0].kind: must be 'scale', 'choice' or 'text'"),
    (survey(questions=[{"key": "pick", "kind": "choice", "prompt": "?", "options": [{"value": "a", "label": "A"}]}]),
     "a choice needs at least 2 options"),
    (survey(at="day"), "at = \"day\" needs day"),
    (survey(at="sometime"), "programme[0].surveys[0].at: must be 'start', 'day' or 'end'"),
    (survey(intro="Hi {nickname}"), "unknown placeholder {nickname}"),
    (survey(questions=[]), "programme[0].surveys[0].questions"),
    (survey(colour="red"), "programme[0].surveys[0].colour: unknown key"),
])
def test_a_bad_survey_stops_start_up_with_the_key_and_the_reason(bad: dict[str, object], expected: str) -> None:
    assert any(expected in p for p in problems_of(bad)), problems_of(bad)


def test_two_surveys_with_one_key_or_one_measure_on_two_scales_are_refused() -> None:
    assert any("survey key 'baseline' is used twice" in p for p in problems_of(survey(), survey()))
    other = survey(key="end", at="end", questions=[{**SCALE, "low": 0, "high": 4}])
    assert any("measure 'confidence' is asked on scales 1–5 and 0–4" in p for p in problems_of(survey(), other))


def test_a_survey_is_due_in_daytime_once_its_moment_has_passed_and_not_when_long_overdue() -> None:
    base = load_survey_preset("edumentoring")[0]
    quiet = QuietHoursConfig()
    started = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # 21:00 in Auckland
    moment = survey_moment(base, started_at=started, ended_at=None, cohort_end=None, zone="Pacific/Auckland")
    due = survey_due_at(base, moment, now=started, zone="Pacific/Auckland", quiet=quiet)
    assert due is not None and due > started and not is_quiet(due, "Pacific/Auckland", quiet)
    assert survey_due_at(base, moment, now=started - timedelta(minutes=1), zone="UTC", quiet=quiet) is None
    assert survey_due_at(base, moment, now=started + timedelta(days=15), zone="UTC", quiet=quiet) is None


def test_a_rounds_end_survey_counts_back_from_the_cohort_end_for_pairs_still_going() -> None:
    end = load_survey_preset("libraries")[2]
    started = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
    moment = survey_moment(end, started_at=started, ended_at=None, cohort_end=date(2027, 3, 31), zone="Europe/London")
    assert moment == datetime(2027, 3, 17, 10, 0, tzinfo=UTC)  # 14 days before, 10:00 local (GMT)
    ended = started + timedelta(days=30)
    assert survey_moment(end, started_at=started, ended_at=ended, cohort_end=date(2027, 3, 31), zone="UTC") == ended


@pytest.mark.parametrize("preset", ["edumentoring", "libraries", "runtogether"])
def test_every_survey_message_fits_discord_and_speaks_in_its_programmes_own_words(preset: str) -> None:
    from bot.nudges.templates import render_template
    from bot.surveys.config import SURVEY_PLACEHOLDERS
    from bot.surveys.flow import Step, step_text
    from tests.voice.test_every_message import LONG_NAME, TEACHER_WORDS

    values = {"name": LONG_NAME, "partner": LONG_NAME, "programme": "Libraries Connected Peer Mentoring scheme"}
    for survey in load_survey_preset(preset):
        words = [survey.title, survey.intro, survey.reminder, survey.thanks]
        for template in (survey.intro, survey.reminder):
            opening = render_template(template, values, allowed=SURVEY_PLACEHOLDERS)
            assert "{" not in opening and len(opening) <= 900
        for i, q in enumerate(survey.questions, start=1):
            for kind in ("question", "quote") if q.kind == "text" else ("question",):
                assert len(step_text(survey, Step(kind, i, q), load_voice(preset).surveys)) <= 1000  # type: ignore[arg-type]
            words += [q.prompt, q.quote_prompt if q.kind == "text" else "", *(o.label for o in q.options)]
        if preset != "edumentoring":
            assert not [w for w in words if TEACHER_WORDS.search(w)], survey.key
