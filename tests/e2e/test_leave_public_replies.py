"""After ``/leave`` the bot's public replies that name the person's handle are deleted on X, Bluesky and Mastodon
through each platform's API (the local stand-ins answer as the real APIs do), by the background work the erasure
queued (``erasure-work``); a platform that fails is tried again with growing pauses, one that keeps failing or
refuses is left to the organisers (told once), and none keeps the person's data from being deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.sandbox.world import MASTODON_INSTANCE, SandboxWorld
from bot.services.erasure_work import DELETE_ATTEMPTS, DELETE_BACKOFF, FAILED_KEPT, JOB_NAME
from storage.queries import erasure_work
from tests.support.intake import CODE, TAG, joined, organiser_posts
from tests.support.organisers import slash

pytestmark = pytest.mark.e2e

SOURCES = [
    {"platform": "bluesky", "tag": "EduMentoring"},
    {"platform": "mastodon", "tag": "EduMentoring", "instance": MASTODON_INSTANCE},
]
WORLD_OVERRIDES = {"intake": {"replies_per_hour": 500, "sources": SOURCES}}
JOBS = ("poll-x-edu", "poll-bluesky-edu", "poll-mastodon-edu")


def _replies_to(world: SandboxWorld, x: str, bsky: str, masto: str) -> dict[str, Any]:
    """The bot's reply to each of one person's posts, by platform."""
    return {
        "x": next(r for r in world.x.replies if world.x.post(r.ref("replied_to") or "").author.username == x),
        "bluesky": next(r for r in world.bluesky.replies
                        if world.bluesky.post(r.record["reply"]["parent"]["uri"]).author.handle == bsky),
        "mastodon": next(r for r in world.mastodon.replies
                         if r.in_reply_to is not None and r.in_reply_to.account.username == masto),
    }


def _still_there(world: SandboxWorld, replies: dict[str, Any]) -> dict[str, bool]:
    return {"x": world.x.store.get(replies["x"].id) is not None,
            "bluesky": replies["bluesky"].uri in world.bluesky.store.posts,
            "mastodon": world.mastodon.store.get(replies["mastodon"].id) is not None}


async def _linked_on_three_platforms(world: SandboxWorld) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Zanele asked for a mentor on X, Bluesky and Mastodon (the bot replied on each, naming her handle), an
    organiser merged her three leads, and she linked them from Discord. Kim asked too (her replies stay)."""
    for who, x, bsky, masto in (("Zanele", "zanele_x", "zanele", "zanele_m"), ("Kim", "kim_x", "kim", "kim_m")):
        world.x.add_post(f"{who}: looking for a mentor @MentorBot {TAG}", x, who)
        world.bluesky.add_post(f"{who}: looking for a mentor {TAG}", bsky, who)
        world.mastodon.add_post(f"{who}: looking for a mentor {TAG}", masto, who)
    await world.bot.tick(*JOBS)
    zanele = _replies_to(world, "zanele_x", "zanele.bsky.social", "zanele_m")
    kim = _replies_to(world, "kim_x", "kim.bsky.social", "kim_m")
    assert all(f"@{h}" in r.text for h, r in zip(("zanele_x", "zanele", "zanele_m"), zanele.values(), strict=True))
    olu = world.organiser
    assert olu is not None
    for other in ("bluesky:zanele.bsky.social", f"mastodon:zanele_m@{MASTODON_INSTANCE}"):
        merged = await olu.slash("leads", "merge", options={"lead_a": "x:zanele_x", "lead_b": other})
        assert "linked to the same member" in merged.content or "is merged into" in merged.content, merged.content
    persona = await joined(world, "Zanele")
    code = CODE.search((await persona.slash("link", options={"handle": "@zanele_x"})).content)
    assert code
    world.x.add_post(f"It's me {TAG} {code.group(0)}", "zanele_x")
    world.clock.advance(timedelta(minutes=5))
    await world.bot.tick(*JOBS)
    return persona, zanele, kim


async def _leave(world: SandboxWorld, persona: Any) -> str:
    assert world.guild is not None
    asked = await slash(persona, world.guild, "leave")
    done = await persona.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer()
    return str(done.content)


async def test_after_leave_the_bots_public_replies_naming_them_are_deleted_on_each_platform(
        world: SandboxWorld) -> None:
    persona, zanele, kim = await _linked_on_three_platforms(world)
    assert _still_there(world, zanele) == {"x": True, "bluesky": True, "mastodon": True}

    answer = await _leave(world, persona)
    assert "has been deleted" in answer and "3 public replies that named your handle are being deleted" in answer
    await world.bot.tick(JOB_NAME)  # waits for the run /leave kicked, if it is under way
    assert _still_there(world, zanele) == {"x": False, "bluesky": False, "mastodon": False}
    assert _still_there(world, kim) == {"x": True, "bluesky": True, "mastodon": True}, "others' replies stay"
    assert [p.id for p in world.x.deleted] == [zanele["x"].id]
    assert not any("did not delete" in m for m in organiser_posts(world))


async def test_a_platform_that_fails_is_tried_again_and_one_that_keeps_failing_goes_to_the_organisers_once(
        world: SandboxWorld) -> None:
    persona, zanele, _kim = await _linked_on_three_platforms(world)
    world.x.faults.inject("503", DELETE_ATTEMPTS, path=f"/2/tweets/{zanele['x'].id}")  # every try fails
    world.bluesky.faults.inject("503", 1, path="/xrpc/com.atproto.repo.deleteRecord")  # the second try works
    world.mastodon.faults.inject("429", 1, path=f"/api/v1/statuses/{zanele['mastodon'].id}")  # rate limited

    answer = await _leave(world, persona)
    assert "has been deleted" in answer, "their data is deleted whatever the platforms say"
    await world.bot.tick(JOB_NAME)
    assert _still_there(world, zanele) == {"x": True, "bluesky": True, "mastodon": True}, "each failed once"
    pause = DELETE_BACKOFF
    for _ in range(DELETE_ATTEMPTS - 1):  # the pauses grow: 2, 4, 8, 16 minutes
        world.clock.advance(pause / 2)
        await world.bot.tick(JOB_NAME)
        assert not any("did not delete" in m for m in organiser_posts(world)), "not before its last try"
        world.clock.advance(pause / 2 + timedelta(seconds=1))
        await world.bot.tick(JOB_NAME)
        pause *= 2
    # Mastodon's limit resets later than these pauses: it is tried again then, not given up
    assert _still_there(world, zanele) == {"x": True, "bluesky": False, "mastodon": True}
    (notice,) = [m for m in organiser_posts(world) if "did not delete" in m]
    assert f"https://x.com/MentorBot/status/{zanele['x'].id}" in notice and "503" in notice
    assert "zanele" not in notice.lower(), "the notice names nobody"
    assert str(zanele["mastodon"].id) not in notice
    world.clock.advance(timedelta(hours=4))
    await world.bot.tick(JOB_NAME)
    assert _still_there(world, zanele) == {"x": True, "bluesky": False, "mastodon": False}
    assert len([m for m in organiser_posts(world) if "did not delete" in m]) == 1, "told once"


async def test_a_platform_that_refuses_goes_to_the_organisers_at_once(world: SandboxWorld) -> None:
    persona, zanele, _kim = await _linked_on_three_platforms(world)
    world.mastodon.revoke_token()  # the bot's Mastodon credentials stop working

    await _leave(world, persona)
    await world.bot.tick(JOB_NAME)  # its first try: a refusal is not tried again
    assert _still_there(world, zanele) == {"x": False, "bluesky": False, "mastodon": True}
    (notice,) = [m for m in organiser_posts(world) if "did not delete" in m]
    assert f"{zanele['mastodon'].id}" in notice and "401" in notice and "zanele" not in notice.lower()
    world.clock.advance(timedelta(hours=4))
    await world.bot.tick(JOB_NAME)
    assert len([m for m in organiser_posts(world) if "did not delete" in m]) == 1, "told once"


async def _stats_fields(world: SandboxWorld) -> dict[str, str]:
    assert world.guild is not None and world.organiser is not None
    result = await slash(world.organiser, world.guild, "programme", "stats")
    return {f["name"]: f["value"] for f in result.messages[0].embeds[0]["fields"]}


async def test_a_reply_left_undeleted_stays_in_programme_stats_until_its_retention_ends(world: SandboxWorld) -> None:
    persona, zanele, _kim = await _linked_on_three_platforms(world)
    assert not [k for k in await _stats_fields(world) if k.startswith("Public replies to delete")]
    world.mastodon.revoke_token()
    await _leave(world, persona)
    await world.bot.tick(JOB_NAME)  # refused: the organisers are told once, and it stays listed
    fields = await _stats_fields(world)
    assert "Public replies to delete by hand: 1" in fields, "a reply given up on is shown nowhere"
    listed = fields["Public replies to delete by hand: 1"]
    assert "Mastodon" in listed and str(zanele["mastodon"].id) in listed and "401" in listed
    assert "zanele" not in listed.lower(), "the list names nobody"

    world.clock.advance(FAILED_KEPT - timedelta(days=1))
    await world.bot.tick(JOB_NAME)
    assert "Public replies to delete by hand: 1" in await _stats_fields(world), "forgotten before its time"
    world.clock.advance(timedelta(days=2))
    await world.bot.tick(JOB_NAME)
    assert not [k for k in await _stats_fields(world) if k.startswith("Public replies to delete")]
    async with world.bot.sessions() as s:
        assert await erasure_work.failed_work(session=s) == [], "a given-up row kept past its retention"
