"""Each hard rule and each score term of MATCHING.md, through the engine and check_pair."""

from __future__ import annotations

import pytest

from bot.matching import MatchingConfig, check_pair, match
from tests.support.matching import DAY, mentor, person


def pairs_of(result):  # type: ignore[no-untyped-def]
    return {(p.mentor_id, p.mentee_id) for p in result.pairs}


def test_a_plain_compatible_pair_is_matched_with_full_reasons() -> None:
    m = mentor("m", subjects={"maths", "physics"}, goals={"behaviour", "planning"}, timezone="Europe/Paris")
    e = person("e", subjects={"maths", "physics"}, goals={"behaviour", "planning", "send"})
    r = match([m, e], reference_date=DAY)
    assert pairs_of(r) == {("m", "e")}
    assert r.certified
    p = r.pairs[0]
    assert p.breakdown == pytest.approx({"phase": 30, "subjects": 25, "goals": 25 * 2 / 3, "stage": 10,
                                         "availability": 10})
    assert p.score == pytest.approx(30 + 25 + 25 * 2 / 3 + 10 + 10)
    assert "both secondary" in p.reasons and "share maths and physics" in p.reasons
    assert "mentor covers 2 of 3 goals: behaviour, planning" in p.reasons
    assert "1 hour apart" in p.reasons and "both free weekday evenings" in p.reasons


@pytest.mark.parametrize(
    ("m_kw", "e_kw", "rule_words"),
    [
        ({"stage": "teacher"}, {"stage": "teacher"}, "not more senior"),
        ({"stage": "early-career"}, {"stage": "teacher"}, "not more senior"),
        ({"timezone": "Asia/Kolkata"}, {}, "apart"),
        ({"availability": {"weekends"}}, {"availability": {"weekday-evenings"}}, "no availability"),
        ({"previous": {"e"}}, {}, "paired before"),
        ({}, {"previous": {"m"}}, "paired before"),
        ({"organisation": "Oak School"}, {"organisation": " oak school "}, "same organisation"),
    ],
)
def test_each_hard_rule_blocks_the_pair(m_kw: dict, e_kw: dict, rule_words: str) -> None:
    m, e = mentor("m", **m_kw), person("e", **e_kw)
    r = match([m, e], reference_date=DAY)
    assert r.pairs == []
    assert [u.person_id for u in r.unmatched] == ["e"]
    assert any(rule_words in msg for msg in check_pair(m, e, MatchingConfig(), DAY))


def test_timezone_gap_of_exactly_three_hours_is_allowed_and_uses_the_reference_date() -> None:
    # Europe/Moscow is UTC+3 all year; London is UTC+0 in winter, UTC+1 in summer
    m, e = mentor("m", timezone="Europe/Moscow"), person("e")
    assert check_pair(m, e, MatchingConfig(), DAY) == []
    assert check_pair(mentor("m", timezone="Asia/Dubai"), e, MatchingConfig(), DAY)  # 4 hours
    from datetime import date
    assert check_pair(mentor("m", timezone="Asia/Dubai"), e, MatchingConfig(), date(2026, 7, 1)) == []


def test_empty_organisation_never_counts_as_the_same() -> None:
    m, e = mentor("m", organisation=""), person("e", organisation="")
    assert pairs_of(match([m, e], reference_date=DAY)) == {("m", "e")}


def test_roles_mentor_cannot_be_mentee_and_mentee_cannot_mentor() -> None:
    a, b = mentor("a"), mentor("b", stage="senior-leader")
    c, d = person("c"), person("d", stage="trainee")
    r = match([a, b, c, d], reference_date=DAY)
    assert all(p.mentor_id in {"a", "b"} and p.mentee_id in {"c", "d"} for p in r.pairs)
    assert check_pair(c, d, MatchingConfig(), DAY)  # a mentee cannot mentor


@pytest.mark.parametrize(
    ("field", "m_value", "e_value", "term", "points"),
    [
        ("phase", {"primary"}, {"secondary"}, "phase", 0.0),
        ("phase", {"primary", "secondary"}, {"secondary"}, "phase", 30.0),
        ("subjects", {"maths", "art"}, {"maths", "music", "pe"}, "subjects", 25 * 1 / 4),
        ("goals", {"send"}, {"send", "career", "planning", "behaviour"}, "goals", 25 * 1 / 4),
        ("availability", {"weekends", "weekday-evenings"}, {"weekday-evenings", "weekday-mornings"},
         "availability", 10 * 1 / 2),
    ],
)
def test_each_score_term(field: str, m_value: set, e_value: set, term: str, points: float) -> None:
    r = match([mentor("m", **{field: m_value}), person("e", **{field: e_value})], reference_date=DAY)
    assert r.pairs[0].breakdown[term] == pytest.approx(points)


@pytest.mark.parametrize(("m_stage", "e_stage", "points"), [
    ("teacher", "early-career", 10), ("middle-leader", "early-career", 10), ("senior-leader", "early-career", 5),
    ("headteacher", "early-career", 2.5), ("headteacher", "trainee", 2.5)])
def test_stage_term(m_stage: str, e_stage: str, points: float) -> None:
    r = match([mentor("m", stage=m_stage), person("e", stage=e_stage)], reference_date=DAY)
    assert r.pairs[0].breakdown["stage"] == points


def test_empty_sets_score_zero_not_an_error() -> None:
    r = match([mentor("m", subjects=set(), goals=set()), person("e", subjects=set(), goals=set())],
              reference_date=DAY)
    assert r.pairs[0].breakdown["subjects"] == 0 and r.pairs[0].breakdown["goals"] == 0


def test_capacity_limits_mentees_and_each_mentee_gets_one_mentor() -> None:
    ms = [mentor("m1", capacity=2), mentor("m2", capacity=1)]
    es = [person(f"e{i}") for i in range(5)]
    r = match(ms + es, reference_date=DAY)
    assert r.matched_count == 3
    assert sum(p.mentor_id == "m1" for p in r.pairs) == 2
    assert len({p.mentee_id for p in r.pairs}) == 3
    assert {u.reason for u in r.unmatched} == {"both compatible mentors were at capacity"}  # not "all 2"


def test_active_load_uses_up_capacity() -> None:
    r = match([mentor("m", capacity=2), person("a"), person("b")], reference_date=DAY,
              active_mentor_load={"m": 1})
    assert r.matched_count == 1


def test_both_person_mentors_some_and_is_mentored_by_one() -> None:
    head = mentor("head", stage="headteacher")
    mid = person("mid", role="both", stage="middle-leader", capacity=2)
    juniors = [person("j1", stage="trainee"), person("j2", stage="trainee")]
    r = match([head, mid, *juniors], reference_date=DAY)
    assert r.matched_count == 3
    assert ("head", "mid") in pairs_of(r)
    assert all(p.mentor_id != p.mentee_id for p in r.pairs)
    assert sum(p.mentee_id == "mid" for p in r.pairs) == 1


def test_a_both_person_never_mentors_themselves() -> None:
    r = match([person("solo", role="both", stage="headteacher")], reference_date=DAY)
    assert r.pairs == [] and r.unmatched[0].reason == "no mentors in this round"


def test_most_mentees_beats_a_higher_score() -> None:
    # m1 is the best mentor for both, but only m1 can take e2: the optimum gives e1 to m2
    m1 = mentor("m1", subjects={"maths"}, timezone="Europe/London")
    m2 = mentor("m2", subjects={"art"}, timezone="Europe/Paris")
    e1 = person("e1", subjects={"maths"}, timezone="Europe/Paris")
    e2 = person("e2", subjects={"maths"}, timezone="America/Sao_Paulo")  # UTC−3: only London within 3 h
    r = match([m1, m2, e1, e2], reference_date=DAY)
    assert pairs_of(r) == {("m1", "e2"), ("m2", "e1")}


def test_unmatched_reason_names_the_rule_that_left_no_mentor() -> None:
    r = match([mentor("m"), person("e", timezone="Asia/Kolkata")], reference_date=DAY)
    assert r.unmatched[0].reason == "no mentor who is within 3 hours of Asia/Kolkata"
    r = match([mentor("m", availability={"weekends"}), person("e")], reference_date=DAY)
    assert r.unmatched[0].reason == "no mentor who is free weekday evenings"
    r = match([mentor("m", stage="teacher"), person("e", stage="teacher")], reference_date=DAY)
    assert r.unmatched[0].reason == "no mentor who is more senior than teacher"


def test_an_unmatched_reason_reads_as_a_sentence_naming_every_rule_that_left_nobody() -> None:
    config = MatchingConfig(different_organisation=True)
    people = [mentor("m1", previous={"sam"}), mentor("m2", organisation="Kent Libraries"),
              person("sam", organisation="Kent Libraries")]
    r = match(people, config, reference_date=DAY)
    assert r.unmatched[0].reason == ("no mentor who has not been paired with them before (nor blocked by either "
                                     "of them) and is from outside Kent Libraries")


def test_one_full_mentor_is_not_called_all_1_mentors() -> None:
    r = match([mentor("m", capacity=1), person("e1"), person("e2")], reference_date=DAY)
    assert [u.reason for u in r.unmatched] == ["the only compatible mentor was at capacity"]


def test_a_round_with_no_mentors_or_nobody_at_all_is_an_empty_result_not_a_crash() -> None:
    r = match([person("a"), person("b")], reference_date=DAY)
    assert r.pairs == [] and {u.reason for u in r.unmatched} == {"no mentors in this round"}
    assert match([], reference_date=DAY).pairs == []


def test_a_single_goal_is_named_not_counted_as_1_of_1_goals() -> None:
    m = mentor("m", goals={"planning"})
    r = match([m, person("e", goals={"planning"})], reference_date=DAY)
    assert "mentor covers the goal asked for: planning" in r.pairs[0].reasons
    assert "1 of 1" not in r.pairs[0].reasons
