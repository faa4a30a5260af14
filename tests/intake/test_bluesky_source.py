"""BlueskySource: leads from Bluesky's post search through the real atproto AsyncClient against the local Bluesky."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from atproto_client.exceptions import UnauthorizedError

from bot.clock import SandboxClock
from bot.intake.bluesky_parse import parse_time_cursor, post_url, to_ms
from bot.intake.bluesky_source import BlueskySource, bluesky_query, make_bluesky_client_from_env
from bot.intake.source import Source
from bot.sandbox.bluesky import SandboxBluesky
from tests.support.sources import START, Sleeps, make_bsky_source, minutes_ago

Q = bluesky_query(["EduMentoring"])
SEARCH = "/xrpc/app.bsky.feed.searchPosts"


def searches(bsky: SandboxBluesky) -> list[Any]:
    return [r for r in bsky.log if r.path.startswith(SEARCH)]


def sixty(bsky: SandboxBluesky) -> list[str]:
    return [bsky.add_post(f"post {i} #EduMentoring", f"user{i}", created_at=minutes_ago(120 - i)) for i in range(60)]


def test_one_search_per_hashtag() -> None:
    assert bluesky_query(["#EduMentoring"]) == "#EduMentoring"
    with pytest.raises(ValueError, match="one hashtag per Bluesky search"):
        bluesky_query(["A", "#B"])


async def test_bluesky_source_is_a_source(bsky_source: BlueskySource) -> None:
    assert isinstance(bsky_source, Source) and bsky_source.platform == "bluesky"


async def test_poll_reads_a_post_with_handle_did_and_time(bsky: SandboxBluesky, bsky_source: BlueskySource) -> None:
    pid = bsky.add_post("Looking for a mentor #EduMentoring", "alice", "Alice A", created_at=minutes_ago(5))
    result = await bsky_source.poll(Q, None)
    assert result.ok and result.complete and result.pages == 1
    [post] = result.posts
    alice = bsky.store.by_handle["alice.bsky.social"]
    assert post.post_id == pid and len(post.post_id) <= 64
    assert (post.author_id, post.author_handle, post.author_name) == (alice.did, "alice.bsky.social", "Alice A")
    assert post.created_at == minutes_ago(5)
    assert post.is_lead and post.kind == "original"
    assert post_url(post) == f"https://bsky.app/profile/alice.bsky.social/post/{pid.rsplit('/', 1)[1]}"
    assert result.new_cursor == f"t:{to_ms(minutes_ago(5))}"


async def test_sixty_posts_arrive_over_three_pages_and_nothing_twice(
    bsky: SandboxBluesky, bsky_source: BlueskySource
) -> None:
    ids = sixty(bsky)
    pages = [page async for page in bsky_source.pages(Q, None)]
    assert [len(p.posts) for p in pages] == [25, 25, 10]
    assert [p.last for p in pages] == [False, False, True]
    assert [p.post_id for page in pages for p in page.posts] == list(reversed(ids))
    assert pages[-1].cursor == f"t:{to_ms(minutes_ago(61))}"  # the newest post, once all are stored
    assert all(parse_time_cursor(p.cursor).partial for p in pages[:-1])
    again = await bsky_source.poll(Q, pages[-1].cursor)
    assert again.ok and again.posts == () and again.new_cursor == pages[-1].cursor
    newer = bsky.add_post("late #EduMentoring", "zoe")
    third = await bsky_source.poll(Q, again.new_cursor)
    assert [p.post_id for p in third.posts] == [newer]


async def test_restart_between_pages_misses_nothing(
    bsky: SandboxBluesky, bsky_client: Any, clock: SandboxClock, sleeps: Sleeps
) -> None:
    ids = sixty(bsky)
    first = make_bsky_source(bsky, bsky_client, clock, sleeps, limit=25)
    stored: set[str] = set()
    cursor: str | None = None
    async for page in first.pages(Q, None):  # store one page, then crash
        stored |= {p.post_id for p in page.posts}
        cursor = page.cursor
        break
    late = [bsky.add_post(f"late {i} #EduMentoring", f"late{i}") for i in range(3)]
    clock.advance(timedelta(minutes=1))
    restarted = make_bsky_source(bsky, bsky_client, clock, sleeps, limit=25)  # nothing remembered
    for _ in range(3):
        result = await restarted.poll(Q, cursor)
        assert result.ok
        stored |= {p.post_id for p in result.posts}
        cursor = result.new_cursor
    assert stored == set(ids) | set(late)


async def test_reposts_replies_quotes_and_own_posts_are_not_leads(
    bsky: SandboxBluesky, bsky_source: BlueskySource
) -> None:
    original = bsky.add_post("Mentor wanted #EduMentoring", "alice", created_at=minutes_ago(9))
    bsky.add_repost(original, "bob")
    bsky.add_post("+1 #EduMentoring", "carol", reply_to=original, created_at=minutes_ago(8))
    bsky.add_post("see this #EduMentoring", "dave", quote_of=original, created_at=minutes_ago(7))
    bsky.add_post("Join us #EduMentoring", bsky.bot_account.handle, created_at=minutes_ago(6))
    mention = bsky.add_post(
        "@mentorbot.bsky.social count me in #EduMentoring", "erin", created_at=minutes_ago(5)
    )
    result = await bsky_source.poll(Q, None)
    kinds = {p.author_handle: p.kind for p in result.posts}
    assert kinds == {
        "alice.bsky.social": "original",
        "carol.bsky.social": "reply",
        "dave.bsky.social": "quote",
        bsky.bot_account.handle: "original",
        "erin.bsky.social": "original",
    }  # the repost is a separate record: search never returns it
    assert [p.post_id for p in result.posts if p.is_lead] == [mention, original]
    own = [p for p in result.posts if p.is_own]
    assert [p.author_id for p in own] == [bsky.bot_did]
    assert [p.mentions_bot for p in result.posts if p.post_id == mention] == [True]


async def test_used_up_rate_window_pauses_before_a_429_and_resuming_misses_nothing(
    bsky: SandboxBluesky, bsky_source: BlueskySource, clock: SandboxClock, sleeps: Sleeps
) -> None:
    ids = sixty(bsky)
    bsky.set_rate_limit(1, "search")
    first = await bsky_source.poll(Q, None)
    assert first.paused_until is not None and first.pages == 1 and len(first.posts) == 25
    assert first.paused_until == bsky.limits["search"].reset_at(clock.now())
    assert sleeps.delays == [] and not first.complete
    sent = len(searches(bsky))
    early = await bsky_source.poll(Q, first.new_cursor)
    assert early.paused_until == first.paused_until and len(searches(bsky)) == sent  # no request
    clock.advance_to(first.paused_until)
    got = {p.post_id for p in first.posts}
    cursor = first.new_cursor
    for _ in range(3):
        result = await bsky_source.poll(Q, cursor)
        got |= {p.post_id for p in result.posts}
        cursor = result.new_cursor
        if result.paused_until:
            clock.advance_to(result.paused_until)
    assert got == set(ids)
    assert 429 not in [r.status for r in searches(bsky)]  # ratelimit-remaining: 0 was enough


async def test_429_mid_catch_up_pauses_without_sleeping_and_resuming_misses_nothing(
    bsky: SandboxBluesky, bsky_source: BlueskySource, clock: SandboxClock, sleeps: Sleeps
) -> None:
    ids = sixty(bsky)
    run = bsky_source.pages(Q, None)
    got: set[str] = set()
    cursor: str | None = None
    async for page in run:
        got |= {p.post_id for p in page.posts}
        cursor = page.cursor
        bsky.faults.inject("429", 1, path=SEARCH)  # the next request is refused
    assert run.paused_until is not None and run.paused_until > clock.now() and not run.complete
    assert run.fatal_error is None and run.failure is None and sleeps.delays == []
    assert len(got) == 25 and [r.status for r in searches(bsky)] == [200, 429]
    clock.advance_to(run.paused_until)
    result = await bsky_source.poll(Q, cursor)
    assert result.ok and result.complete
    assert got | {p.post_id for p in result.posts} == set(ids)


async def test_a_429_answer_gives_its_reset_time(bsky: SandboxBluesky, bsky_source: BlueskySource) -> None:
    bsky.add_post("hello #EduMentoring", "alice")
    bsky.faults.inject("429", 1, path=SEARCH)
    result = await bsky_source.poll(Q, None)
    assert result.paused_until is not None and result.posts == () and result.fatal_error is None
    assert result.new_cursor is None


async def test_503_is_retried_with_backoff(bsky: SandboxBluesky, bsky_source: BlueskySource, sleeps: Sleeps) -> None:
    pid = bsky.add_post("hello #EduMentoring", "alice")
    bsky.faults.inject("503", 2, path=SEARCH)
    result = await bsky_source.poll(Q, None)
    assert result.ok and [p.post_id for p in result.posts] == [pid]
    assert [r.status for r in searches(bsky)] == [503, 503, 200]
    assert len(sleeps.delays) == 2 and 0 <= sleeps.delays[0] <= 0.5 and 0 <= sleeps.delays[1] <= 1.0


async def test_503_that_persists_is_a_transient_failure(bsky: SandboxBluesky, bsky_source: BlueskySource) -> None:
    bsky.faults.inject("503", 5, path=SEARCH)
    result = await bsky_source.poll(Q, None)
    assert result.failure is not None and "503" in result.failure and result.fatal_error is None
    assert len(searches(bsky)) == 3


async def test_revoked_credentials_are_fatal_and_not_retried(
    bsky: SandboxBluesky, bsky_source: BlueskySource, sleeps: Sleeps
) -> None:
    bsky.revoke_sessions()
    result = await bsky_source.poll(Q, None)
    assert result.fatal_error is not None and "401" in result.fatal_error
    assert len(searches(bsky)) == 1 and sleeps.delays == []


async def test_reply_to_an_original_is_a_reply_record_with_root_and_parent(
    bsky: SandboxBluesky, bsky_source: BlueskySource
) -> None:
    pid = bsky.add_post("Mentor wanted #EduMentoring", "alice")
    [post] = (await bsky_source.poll(Q, None)).posts
    result = await bsky_source.reply(post, "Welcome! Join https://discord.gg/abc and say ABC-123")
    assert result.ok and result.post_id is not None
    [reply] = bsky.replies
    original = bsky.post(pid)
    refs = reply.record["reply"]
    for which in ("root", "parent"):
        assert (refs[which]["uri"], refs[which]["cid"]) == (original.uri, original.cid)
    assert reply.author.did == bsky.bot_did and f"{reply.author.did}/{reply.rkey}" == result.post_id
    [link] = [f for f in reply.record["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"]
    assert link["features"][0]["uri"] == "https://discord.gg/abc"


async def test_reply_inside_a_thread_points_root_at_the_thread_start(
    bsky: SandboxBluesky, bsky_source: BlueskySource
) -> None:
    top = bsky.add_post("Who mentors? #EduMentoring", "alice")
    answer = bsky.add_post("I'd like one too #EduMentoring", "bob", reply_to=top)
    result = await bsky_source.reply(answer, "Welcome, Bob!")
    assert result.ok
    [reply] = bsky.replies[-1:]
    assert reply.record["reply"]["root"]["uri"] == bsky.post(top).uri
    assert reply.record["reply"]["parent"]["uri"] == bsky.post(answer).uri


async def test_reply_is_refused_for_a_threadgate_or_own_post(bsky: SandboxBluesky, bsky_source: BlueskySource) -> None:
    gated = bsky.add_post("No replies please #EduMentoring", "alice", replies_disabled=True)
    refused = await bsky_source.reply(gated, "Welcome!")
    assert not refused.ok and "threadgate" in (refused.refused_reason or "")
    own = bsky.add_post("Join us #EduMentoring", bsky.bot_account.handle)
    assert (await bsky_source.reply(own, "hi")).refused_reason == "refused: that is the bot's own post"
    assert bsky.replies == []


async def test_reply_rate_limited_gives_a_time(bsky: SandboxBluesky, bsky_source: BlueskySource) -> None:
    pid = bsky.add_post("Mentor wanted #EduMentoring", "alice")
    bsky.set_rate_limit(0, "write")
    result = await bsky_source.reply(pid, "Welcome!")
    assert not result.ok and result.rate_limited_until is not None and result.rate_limited_until > START


async def test_client_from_environment_logs_in_with_the_app_password(bsky: SandboxBluesky) -> None:
    env = {"BLUESKY_HANDLE": bsky.bot_account.handle, "BLUESKY_APP_PASSWORD": "sand-box0-app0-pass"}
    client = await make_bluesky_client_from_env(base_url=bsky.base_url, env=env, trust_env=False)
    try:
        assert client.me is not None and client.me.did == bsky.bot_did
        assert any(r.path == "/xrpc/com.atproto.server.createSession" and r.status == 200 for r in bsky.log)
    finally:
        await client.request.close()
    with pytest.raises(UnauthorizedError):
        await make_bluesky_client_from_env(
            base_url=bsky.base_url, env={**env, "BLUESKY_APP_PASSWORD": "wrong"}, trust_env=False
        )


def test_cursor_round_trip_and_garbage() -> None:
    for text in ("t:1795510800000", "p:1795510800000:1795510900000:1795511000000", "p::1795510900000:"):
        assert parse_time_cursor(text).encode() == text
    with pytest.raises(ValueError):
        parse_time_cursor("1795510800000")


async def test_request_log_exports_sandbox_times(bsky: SandboxBluesky, bsky_source: BlueskySource) -> None:
    await bsky_source.poll(Q, None)
    [entry] = [e for e in bsky.export_log() if e["path"].startswith(SEARCH)]
    assert set(entry) == {"t", "method", "path", "json", "status", "response"}
    assert entry["t"].startswith("2026-11-24T09:0") and entry["status"] == 200 and entry["response"]["posts"] == []


async def test_a_post_the_search_indexed_late_is_still_found_once(
    bsky: SandboxBluesky, bsky_source: BlueskySource, clock: SandboxClock
) -> None:
    first = bsky.add_post("early #EduMentoring", "alice", created_at=minutes_ago(1))
    late = bsky.add_post(
        "written earlier, indexed later #EduMentoring", "bob", created_at=minutes_ago(1.5),
        indexed_at=START + timedelta(seconds=10),
    )
    one = await bsky_source.poll(Q, None)
    assert [p.post_id for p in one.posts] == [first]
    clock.advance(timedelta(seconds=20))
    two = await bsky_source.poll(Q, one.new_cursor)
    assert [p.post_id for p in two.posts] == [late]  # the overlap finds it; alice is not returned again


async def test_deleting_the_bots_reply_removes_the_record_and_deleting_it_again_succeeds(
        bsky: SandboxBluesky, bsky_source: BlueskySource) -> None:
    pid = bsky.add_post("Mentor wanted #EduMentoring", "alice")
    reply = await bsky_source.reply(pid, "Welcome!")
    assert reply.ok and reply.post_id is not None
    deleted = await bsky_source.delete(reply.post_id)
    assert deleted.ok and [p.rkey for p in bsky.deleted] == [reply.post_id.rsplit("/", 1)[1]]
    assert bsky.post(pid).replies == 0 and bsky.log[-1].status == 200
    assert (await bsky_source.delete(reply.post_id)).ok  # deleteRecord of a record that is gone changes nothing
    refused = await bsky_source.delete(pid)  # alice's post lives in her repo, not the bot's
    assert not refused.ok and refused.refused_reason and bsky.post(pid) is not None
