"""An organiser runs the programme in a real headless Chromium: signs in through the local Discord, reads each
page and takes each action; every page is saved as a screenshot (``test-output/dashboard/…``) for review."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.sandbox.world import SandboxWorld
from storage.models import AuditEvent, Match, Person
from tests.support import browser
from tests.support.browser import Page
from tests.support.dashboard import seed_programme

pytestmark = pytest.mark.e2e
EXTENSIONS = ["cogs.dashboard", "cogs.matching", "cogs.organisers", "cogs.intake"]


async def test_an_organiser_runs_the_programme_from_the_browser(dworld: SandboxWorld, page: Page) -> None:
    assert dworld.organiser is not None
    seeded = await seed_programme(dworld, mentees=("Ben Mentee", "Cy Mentee", "Dee Mentee"))  # Ada takes 2
    _, ben = seeded.members["Ben Mentee"]
    base = dworld.dashboard_url

    # sign-in: a signed-out visitor is sent to sign in, then back where they were going
    await page.open(base + "/p/edu/people")
    await page.wait_text("Sign in with Discord")
    await page.screenshot("01-sign-in")
    await page.click("#sign-in")
    await page.wait_text("wants to access your account")
    await page.select_value("#user_id", str(dworld.organiser.id))
    await page.screenshot("02-local-discord-consent")
    await page.click("button[value=authorize]")
    await page.wait_text("People (4)")

    # overview: the numbers of /programme stats
    stats = await dworld.bot.services.stats.snapshot(dworld.bot.services.programmes.get("edu"))  # type: ignore[arg-type]
    await page.open(base + "/p/edu")
    text = await page.wait_text("Weekly activity")
    for label, n in stats.funnel.stages():
        assert f"{label} {n}" in text
    await page.screenshot("03-overview")

    # people: search, filter, a person's file, pause and resume
    await page.open(base + "/p/edu/people")
    await page.fill("#q", "ben")
    await page.press_enter_in("#q")
    text = await page.wait_text("People (1)")
    assert "Ben Mentee" in text and "Cy Mentee" not in text
    await page.open(base + "/p/edu/people?role=mentor")
    text = await page.wait_text("People (1)")
    assert "Ada Mentor" in text
    await page.open(base + "/p/edu/people")
    await page.screenshot("04-people")
    await page.open(f"{base}/p/edu/people/{ben}")
    await page.fill("#weeks", "2")
    await page.click("form[action$='/pause'] button")
    await page.wait_text("Paused Ben Mentee until")
    await page.screenshot("05-person-paused")
    await page.click("form[action$='/resume'] button")
    await page.wait_text("Ben Mentee is back in the programme.")

    # matching: preview with scores and reasons, confirm; pairs; unpair; a manual pair
    await page.open(base + "/p/edu/matching")
    await page.click("form[action$='/matching/preview'] button")
    text = await page.wait_text("Preview ready: 2 pairs, 1 not matched")
    assert "Ada Mentor" in text and "Why" in text
    await page.screenshot("06-matching-preview")
    await page.click("form[action$='/matching/confirm'] button", accept=True)
    await page.wait_text("2 pairs confirmed")
    async with dworld.bot.sessions() as s:
        active = list(await s.exec(select(Match).where(Match.status == "active")))
    assert len(active) == 2
    mentee = next(p for p, pid in seeded.members.values() if pid == active[0].mentee_person_id)
    saved = await dworld.bot.services.goals.set_goals(active[0].id or 0, mentee.id, ["Plan a term of lessons"])
    assert saved.ok
    await page.open(base + "/p/edu/pairs")
    await page.wait_text("1. Plan a term of lessons — Not started")
    await page.screenshot("07-pairs")
    waiting = {pid for _, pid in seeded.members.values()} - {m.mentee_person_id for m in active} \
        - {seeded.members["Ada Mentor"][1]}
    other = next(name for name, (_, pid) in seeded.members.items() if pid in waiting)
    await page.click("form[action$='/unpair'] button", accept=True)
    await page.wait_text("Match ended: both were told")
    await page.open(base + "/p/edu/matching")
    await page.fill("#mentor", "Ada Mentor")
    await page.fill("#mentee", other)
    await page.click("form[action$='/pairs'] button")
    await page.wait_text(f"Paired Ada Mentor (mentor) with {other}")

    # leads: the ready-to-copy reply, merge two, dismiss the other
    await page.open(base + "/p/edu/leads")
    text = await page.wait_text("Leads waiting (2)")
    assert "@tam_teaches" in text and "Copy the reply" in text
    await page.screenshot("08-leads")
    await page.click("form[action$='/leads/merge'] button")
    await page.wait_text("merged into")
    await page.open(base + "/p/edu/leads")
    await page.click("form[action$='/dismiss'] button", accept=True)
    await page.wait_text("Dismissed the lead")

    # export: the matches CSV downloads
    download = browser.OUTPUT / "edu-matches.csv"
    download.unlink(missing_ok=True)
    await page.open(base + "/p/edu/pairs")
    await page.click("form[action$='/export/matches'] button")
    await page.wait_for_file(download)
    assert "mentor_name" in download.read_text(encoding="utf-8")

    # outcomes and the audit log: every action above, by this organiser
    await page.open(base + "/p/edu/outcomes")
    await page.wait_text("people answered at least one survey")
    await page.screenshot("09-outcomes")
    download = browser.OUTPUT / "outcomes-edu-all-time.csv"
    download.unlink(missing_ok=True)
    await page.click("form[action$='/outcomes/export'] button")
    await page.wait_for_file(download)
    await page.open(base + "/p/edu/audit")
    text = await page.wait_text("Audit log")
    await page.screenshot("10-audit")
    async with dworld.bot.sessions() as s:
        events = list(await s.exec(select(AuditEvent).where(AuditEvent.actor_discord_id == dworld.organiser.id)))
        assert (await s.get(Person, ben)) is not None
    done = {e.action for e in events}
    assert {"person.view", "person.pause", "person.resume_by_organiser", "match.preview", "match.confirm",
            "match.end", "match.pair", "lead.merge", "lead.dismiss", "profiles.export", "programme.report"} <= done, done
    assert "match.confirm" in text

    # on a phone: the people table scrolls inside its box, the page itself does not
    await page.resize(390, 844)
    await page.open(base + "/p/edu/people")
    await page.wait_text("People (4)")
    await page.screenshot("11-people-phone")
    assert await page.script("return document.documentElement.scrollWidth") <= 400
    await page.resize(1280, 900)
