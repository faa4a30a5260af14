"""Checks of a demo run made from its JSON report alone (used by the tests and by anyone auditing a run)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.onboarding.questions import Question, QuestionsConfig, build_questions
from bot.timezones import is_valid_zone, utc_offset_hours

VIEW = 1 << 10
QUIET_START, QUIET_END = time(20, 0), time(8, 0)
ACTED_WINDOW = timedelta(minutes=10)
MESSAGE_PATH = re.compile(r"^/channels/(\d+)/messages$")


def _set(cell: str) -> list[str]:
    return [v for v in cell.split(";") if v]


def profile_problems(profile: dict[str, str], questions: list[Question]) -> list[str]:
    """A stored profile (MATCHING.md columns) checked against the programme's own questions."""
    by_field = {q.profile_field or q.key: q for q in questions}
    problems = []
    role = profile.get("role", "")
    role_q = next((q for q in questions if (q.profile_field or q.key) == "role"), None)
    roles = {o.value for o in role_q.options} if role_q is not None and role_q.options else {"mentor", "mentee", "both"}
    if role not in roles:
        problems.append(f"role {role!r}")
    if not is_valid_zone(profile.get("timezone", "")):
        problems.append(f"time zone {profile.get('timezone')!r}")
    for column in ("phase", "subjects", "availability", "goals", "stage"):
        q = by_field.get(column)
        if q is None or not q.options:
            continue
        values = _set(profile.get(column, "")) if q.kind == "multi" else [profile.get(column, "")]
        bad = [v for v in values if q.option(v) is None]
        if bad or (q.required and not values):
            problems.append(f"{column} {profile.get(column)!r}")
    capacity = profile.get("capacity", "")
    cap_q = by_field.get("capacity")
    lo, hi = (cap_q.min_value or 1, cap_q.max_value or 5) if cap_q is not None else (1, 5)
    if role in ("mentor", "both") and capacity and not (capacity.isdigit() and lo <= int(capacity) <= hi):
        problems.append(f"capacity {capacity!r}")
    return problems


def rule_problems(mentor: dict[str, str], mentee: dict[str, str], questions: list[Question], on: datetime,
                  max_gap: float = 3.0, kind: str = "mentoring") -> list[str]:
    """The hard rules of MATCHING.md, re-checked independently of the engine. A ``check-in`` (a mentor's
    lighter check-in with an experienced leader) may pair people of equal seniority."""
    problems = []
    checkin = kind == "check-in"
    mentee_ok = mentee["role"] not in ("mentor", "mentee", "both") if checkin else mentee["role"] in ("mentee", "both")
    if mentor["role"] not in ("mentor", "both") or not mentee_ok:
        problems.append("roles")
    stage_q = next((q for q in questions if q.profile_field == "stage"), None)
    if stage_q is not None:
        order = [o.value for o in stage_q.options]
        if mentor["stage"] in order and mentee["stage"] in order and (
                order.index(mentor["stage"]) < order.index(mentee["stage"]) if checkin
                else order.index(mentor["stage"]) <= order.index(mentee["stage"])):
            problems.append(f"stage {mentor['stage']} not above {mentee['stage']}")
    gap = abs(utc_offset_hours(mentor["timezone"], on.date()) - utc_offset_hours(mentee["timezone"], on.date()))
    if gap > max_gap:
        problems.append(f"{gap} hours apart")
    if not set(_set(mentor["availability"])) & set(_set(mentee["availability"])):
        problems.append("no shared availability")
    if mentor["organisation"] and mentee["organisation"] and \
            mentor["organisation"].strip().lower() == mentee["organisation"].strip().lower():
        problems.append("same organisation")
    return problems


def _quiet(t: datetime, zone: str) -> bool:
    local = t.astimezone(ZoneInfo(zone if is_valid_zone(zone) else "Europe/London")).time()
    return local >= QUIET_START or local < QUIET_END


def check_report(report: dict[str, Any]) -> list[str]:
    """Every way the run broke a promise (empty when none)."""
    problems: list[str] = []
    questions = build_questions(QuestionsConfig(preset=report["programme"]))
    people = {p["id"]: p for p in report["people"]}
    by_discord = {p["discord_user_id"]: p for p in report["people"] if p["discord_user_id"]}
    for p in report["people"]:
        if p["status"] == "active" and p["profile"] is None:
            problems.append(f"{p['id']} is active without a profile")
        if p["status"] == "active" and p["profile"] is not None:
            problems += [f"{p['id']}: invalid {x}" for x in profile_problems(p["profile"], questions)]
        if p["status"] == "left" and p["profile"] is not None:
            problems.append(f"{p['id']} left but still has a profile")
    board = report.get("dashboard")
    if board is not None:  # the organiser signed in to the dashboard and every page answered
        if not board.get("signed_in_as"):
            problems.append("the organiser could not sign in to the dashboard")
        problems += [f"dashboard page {path} answered {status}" for path, status in board.get("pages", {}).items()
                     if status != 200]
    requests = report["discord_requests"]
    first_t = datetime.fromisoformat(requests[0]["t"]) if requests else datetime.now().astimezone()
    # matches obey the rules; each has exactly one space admitting exactly the pair, organisers and the bot
    created = {str(r["response"]["id"]): r for r in requests
               if r["method"] == "POST" and r["path"].endswith("/channels") and r["status"] in (200, 201)
               and isinstance(r["response"], dict) and r["response"].get("type") == 0}
    threads = {str(r["response"]["id"]): r for r in requests
               if r["method"] == "POST" and "/threads" in r["path"] and isinstance(r["response"], dict)
               and r["status"] in (200, 201)}
    thread_members: dict[str, set[str]] = defaultdict(set)
    for r in requests:
        m = re.match(r"^/channels/(\d+)/thread-members/(\d+)$", r["path"])
        if m and r["method"] == "PUT" and r["status"] in (200, 204):
            thread_members[m.group(1)].add(m.group(2))
    # a mentor's pod (programmes with pods) admits its mentees as their matches start (a member overwrite)
    granted: dict[str, set[str]] = defaultdict(set)
    for r in requests:
        m = re.match(r"^/channels/(\d+)/permissions/(\d+)$", r["path"])
        if m and r["method"] == "PUT" and r["status"] in (200, 204) and isinstance(r.get("json"), dict) \
                and int(r["json"].get("allow", 0)) & VIEW:
            granted[m.group(1)].add(m.group(2))
    pods = {space for space, r in created.items() if "ref pod-" in str(r["json"].get("topic") or "")}
    in_space: dict[str, set[str]] = defaultdict(set)  # everyone of the matches a space holds
    mentors_of: dict[str, set[str]] = defaultdict(set)
    for match in report["matches"]:
        mentor, mentee = people.get(match["mentor"]), people.get(match["mentee"])
        if match["space_id"] is not None and mentor is not None and mentee is not None:
            in_space[match["space_id"]] |= {mentor["discord_user_id"], mentee["discord_user_id"]}
            mentors_of[match["space_id"]].add(match["mentor"])
    space_owner: Counter[str] = Counter()
    for match in report["matches"]:
        mentor, mentee = people.get(match["mentor"]), people.get(match["mentee"])
        if mentor is None or mentee is None:
            continue
        if mentor["profile"] and mentee["profile"] and "organiser" not in match.get("reasons", ""):
            for x in rule_problems(mentor["profile"], mentee["profile"], questions, first_t,
                                   kind=match.get("kind") or "mentoring"):
                problems.append(f"match {match['mentor']}→{match['mentee']} breaks a rule: {x}")
        space = match["space_id"]
        if space is None:
            problems.append(f"match {match['mentor']}→{match['mentee']} has no space")
            continue
        space_owner[space] += 1
        pair_ids = {mentor["discord_user_id"], mentee["discord_user_id"]}
        if space in created:
            allowed = {str(o["id"]) for o in created[space]["json"].get("permission_overwrites", [])
                       if int(o.get("allow", 0)) & VIEW}
            expected = pair_ids | {report["organiser_role_id"], report["bot_user_id"]}
            if space in pods:  # the mentor and each of their mentees, nobody else
                allowed |= granted[space]
                if not expected <= allowed or not allowed <= in_space[space] | expected:
                    problems.append(f"pod {space} admits {sorted(allowed)}, not the pair and its mentor's others")
            elif allowed != expected:
                problems.append(f"space {space} admits {sorted(allowed)} instead of {sorted(expected)}")
            everyone = [o for o in created[space]["json"].get("permission_overwrites", [])
                        if str(o["id"]) == report["guild_id"]]
            if not everyone or not int(everyone[0].get("deny", 0)) & VIEW:
                problems.append(f"space {space} is not hidden from @everyone")
        elif space in threads:
            if not pair_ids <= thread_members[space]:
                problems.append(f"thread {space} lacks a member of the pair")
        else:
            problems.append(f"space {space} was never created")
    problems += [f"space {s} is shared by {n} matches" for s, n in space_owner.items()
                 if n > 1 and not (s in pods and len(mentors_of[s]) == 1)]  # a pod: one mentor's matches
    # at most one X reply per hashtag author
    authors: dict[str, str] = {}
    for r in report["x_requests"]:
        resp = r.get("response")
        if r["method"] == "GET" and isinstance(resp, dict) and isinstance(resp.get("data"), list):
            for post in resp["data"]:
                authors[str(post["id"])] = str(post.get("author_id"))
    replies = Counter(authors.get(str(r["json"]["reply"]["in_reply_to_tweet_id"]), "?")
                      for r in report["x_requests"]
                      if r["method"] == "POST" and isinstance(r.get("json"), dict) and "reply" in r["json"]
                      and r["status"] in (200, 201))
    problems += [f"X author {a} got {n} replies" for a, n in replies.items() if n > 1]
    # no 429 at all
    problems += [f"429 on {r['method']} {r['path']}" for r in requests + report["x_requests"] if r["status"] == 429]
    # no DM the bot started reached anyone in their quiet hours
    dm_owner: dict[str, str] = {}
    for r in requests:
        if r["path"] == "/users/@me/channels" and isinstance(r["response"], dict):
            dm_owner[str(r["response"]["id"])] = str(r["json"]["recipient_id"])
    acted: dict[str, list[datetime]] = defaultdict(list)
    for e in report["gateway_events"]:
        if e["user_id"]:
            acted[e["user_id"]].append(datetime.fromisoformat(e["t"]))
    for r in requests:
        m = MESSAGE_PATH.match(r["path"])
        if not m or r["method"] != "POST" or m.group(1) not in dm_owner or r["status"] not in (200, 201):
            continue
        uid = dm_owner[m.group(1)]
        person = by_discord.get(uid)
        if person is None:
            continue
        t = datetime.fromisoformat(r["t"])
        if not _quiet(t, person["timezone"]):
            continue
        if any(timedelta(0) <= t - a <= ACTED_WINDOW for a in acted.get(uid, [])):
            continue  # an answer to something the person just did
        problems.append(f"DM to {person['id']} at {t:%H:%M} UTC is in their quiet hours ({person['timezone']})")
    return problems
