"""XSource: leads from X through tweepy's AsyncClient against the local X."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tweepy.asynchronous import AsyncClient

from bot.clock import SandboxClock
from bot.intake.source import Post, Source
from bot.intake.x_source import RetryPolicy, XSource, build_query
from bot.sandbox.x import SandboxX
from tests.support.sources import START, Sleeps

QUERY = build_query(["EduMentoring"])


def test_query_for_one_or_several_tags() -> None:
    assert build_query(["#EduMentoring"]) == "#EduMentoring -is:retweet"
    assert build_query(["A", "#B"], exclude_replies=True) == "(#A OR #B) -is:retweet -is:reply"


def test_xsource_is_a_source(source: XSource) -> None:
    assert isinstance(source, Source)
    assert source.platform == "x"


async def test_poll_reads_new_posts_with_author_and_time(sandbox: SandboxX, source: XSource) -> None:
    pid = sandbox.add_post("Looking for a mentor #EduMentoring", "alice", "Alice A")
    result = await source.poll(QUERY, None)
    assert result.ok and result.complete and result.pages == 1
    [post] = result.posts
    assert post.post_id == pid
    assert (post.author_handle, post.author_name, post.author_id) == ("alice", "Alice A", sandbox.store.user("alice").id)
    assert post.created_at is not None and abs(post.created_at - START) < timedelta(seconds=5)
    assert post.kind == "original" and post.is_lead and not post.mentions_bot
    assert post.url == f"https://x.com/alice/status/{pid}"
    assert result.new_cursor == pid


async def test_second_poll_from_cursor_gets_only_new_posts(sandbox: SandboxX, source: XSource) -> None:
    sandbox.add_post("first #EduMentoring", "alice")
    first = await source.poll(QUERY, None)
    newer = sandbox.add_post("second #EduMentoring", "bob")
    second = await source.poll(QUERY, first.new_cursor)
    assert [p.post_id for p in second.posts] == [newer]
    third = await source.poll(QUERY, second.new_cursor)
    assert third.posts == () and third.new_cursor == newer


async def test_250_posts_arrive_over_three_pages(sandbox: SandboxX, source: XSource) -> None:
    ids = [sandbox.add_post(f"post {i} #EduMentoring", f"user{i}") for i in range(250)]
    pages = [page async for page in source.pages(QUERY, None)]
    assert [len(p.posts) for p in pages] == [100, 100, 50]
    assert [p.last for p in pages] == [False, False, True]
    assert pages[-1].cursor == ids[-1]  # the newest id, once the whole catch-up is stored
    assert [p.post_id for page in pages for p in page.posts] == list(reversed(ids))
    assert all("until_id" not in r.path and "since_id" not in r.path for r in sandbox.log)  # same params per page


async def test_crash_between_pages_misses_nothing(sandbox: SandboxX, source: XSource) -> None:
    ids = [sandbox.add_post(f"post {i} #EduMentoring", f"user{i}") for i in range(250)]
    stored: set[str] = set()
    cursor: str | None = None
    async for page in source.pages(QUERY, None):  # the bot stores one page, then crashes
        stored |= {p.post_id for p in page.posts}
        cursor = page.cursor
        break
    assert cursor is not None and cursor != ids[-1]  # not the newest id: older pages are unread
    late = [sandbox.add_post(f"late {i} #EduMentoring", f"late{i}") for i in range(3)]

    for _ in range(3):  # restart: resume from the stored cursor, then catch up again
        result = await source.poll(QUERY, cursor)
        stored |= {p.post_id for p in result.posts}
        cursor = result.new_cursor
    assert stored == set(ids) | set(late)
    assert cursor == late[-1]


async def test_retweets_replies_quotes_and_own_posts_are_not_leads(sandbox: SandboxX, source: XSource) -> None:
    lead = sandbox.add_post("Happy to mentor #EduMentoring @mentorbot", "alice")
    sandbox.add_post("", "bob", retweet_of=lead)
    sandbox.add_post("me too #EduMentoring", "carol", reply_to=lead)
    sandbox.add_post("this! #EduMentoring", "dave", quote_of=lead)
    sandbox.add_post("Join #EduMentoring!", "MentorBot")
    result = await source.poll("#EduMentoring", None)  # retweets included on purpose
    kinds = {p.author_handle: p for p in result.posts}
    assert kinds["alice"].kind == "original" and kinds["alice"].is_lead and kinds["alice"].mentions_bot
    assert kinds["bob"].kind == "retweet" and not kinds["bob"].is_lead
    assert kinds["carol"].kind == "reply" and not kinds["carol"].is_lead
    assert kinds["dave"].kind == "quote" and not kinds["dave"].is_lead
    assert kinds["MentorBot"].is_own and not kinds["MentorBot"].is_lead
    assert [p.author_handle for p in result.posts if p.is_lead] == ["alice"]


async def test_429_pauses_until_reset_without_sleeping(sandbox: SandboxX, source: XSource, sleeps: Sleeps) -> None:
    sandbox.add_post("hi #EduMentoring", "alice")
    sandbox.faults.inject("429", 1)
    result = await source.poll(QUERY, None)
    assert result.paused_until is not None
    assert timedelta(0) <= result.paused_until - (START + timedelta(minutes=15)) <= timedelta(seconds=1)
    assert result.posts == () and result.new_cursor is None and not result.ok
    assert sleeps.delays == []
    requests = len(sandbox.log)
    again = await source.poll(QUERY, None)  # still paused: no request is made
    assert again.paused_until == result.paused_until and len(sandbox.log) == requests


async def test_used_up_window_stops_the_catch_up_before_a_429(
    sandbox: SandboxX, source: XSource, clock: SandboxClock
) -> None:
    for i in range(150):
        sandbox.add_post(f"p{i} #EduMentoring", f"u{i}")
    sandbox.set_rate_limit(1)
    result = await source.poll(QUERY, None)
    assert len(result.posts) == 100 and not result.complete
    assert result.paused_until is not None
    assert all(r.status == 200 for r in sandbox.log)
    clock.advance_to(result.paused_until)
    rest = await source.poll(QUERY, result.new_cursor)
    assert len(rest.posts) == 50 and rest.complete


async def test_503_is_retried_with_backoff_then_succeeds(sandbox: SandboxX, source: XSource, sleeps: Sleeps) -> None:
    sandbox.add_post("hi #EduMentoring", "alice")
    sandbox.faults.inject("503", 2)
    result = await source.poll(QUERY, None)
    assert result.ok and len(result.posts) == 1
    assert len(sleeps.delays) == 2
    assert 0 <= sleeps.delays[0] <= 0.5 and 0 <= sleeps.delays[1] <= 1.0


async def test_503_that_outlasts_the_retries_is_a_failure(sandbox: SandboxX, source: XSource) -> None:
    sandbox.faults.inject("503", 5)
    result = await source.poll(QUERY, None)
    assert result.failure is not None and "503" in result.failure
    assert result.fatal_error is None and result.paused_until is None
    assert len(sandbox.log) == 3


async def test_slow_answer_times_out_and_is_retried(sandbox: SandboxX, client: Any, clock: SandboxClock) -> None:
    sandbox.add_post("hi #EduMentoring", "alice")
    sandbox.faults.inject("slow", 1, delay=1.0)
    src = XSource(
        client,
        bot_user_id=sandbox.bot_account.id,
        bot_handle="MentorBot",
        clock=clock,
        retry=RetryPolicy(tries=2, base_delay=0.0, timeout=0.2),
    )
    result = await src.poll(QUERY, None)
    assert result.ok and len(result.posts) == 1


async def test_bad_credentials_are_fatal(sandbox: SandboxX, clock: SandboxClock) -> None:
    bad = sandbox.make_client(bearer_token="revoked")
    src = XSource(bad, bot_user_id=sandbox.bot_account.id, bot_handle="MentorBot", clock=clock)
    result = await src.poll(QUERY, None)
    assert result.fatal_error is not None and "401" in result.fatal_error
    assert len(sandbox.log) == 1  # not retried


async def test_cursor_older_than_search_window_is_dropped_with_a_warning(
    sandbox: SandboxX, source: XSource, clock: SandboxClock
) -> None:
    old = sandbox.add_post("old #EduMentoring", "alice")
    clock.advance(timedelta(days=8))
    new = sandbox.add_post("new #EduMentoring", "bob")
    result = await source.poll(QUERY, old)
    assert [p.post_id for p in result.posts] == [new]
    assert result.ok and result.warnings


async def test_reply_to_post_that_mentions_the_bot(sandbox: SandboxX, source: XSource) -> None:
    sandbox.add_post("Looking for a mentor #EduMentoring @MentorBot", "alice")
    [post] = (await source.poll(QUERY, None)).posts
    assert post.can_reply
    result = await source.reply(post, "Welcome! Your code is EDU-7K2Q")
    assert result.ok and result.post_id is not None
    assert sandbox.replies[0].id == result.post_id
    assert sandbox.replies[0].ref("replied_to") == post.post_id


async def test_reply_x_refuses_is_a_result_not_an_exception(sandbox: SandboxX, source: XSource) -> None:
    pid = sandbox.add_post("Looking for a mentor #EduMentoring", "bob")
    result = await source.reply(pid, "Welcome! Your code is EDU-AB3C")
    assert not result.ok and result.refused_reason == "refused: reply not allowed"
    assert sandbox.log[-1].status == 403 and sandbox.replies == []


async def test_reply_to_post_without_mention_is_not_attempted(sandbox: SandboxX, source: XSource) -> None:
    sandbox.add_post("Looking for a mentor #EduMentoring", "bob")
    [post] = (await source.poll(QUERY, None)).posts
    requests = len(sandbox.log)
    result = await source.reply(post, "Welcome!")
    assert not result.ok and result.refused_reason is not None and "reply not allowed" in result.refused_reason
    assert len(sandbox.log) == requests


async def test_reply_rate_limited_gives_reset_time(sandbox: SandboxX, source: XSource) -> None:
    pid = sandbox.add_post("hi @MentorBot #EduMentoring", "alice")
    sandbox.set_rate_limit(0, endpoint="create")
    result = await source.reply(pid, "Welcome!")
    assert not result.ok and result.rate_limited_until is not None
    assert result.rate_limited_until > START


def test_post_can_reply_only_when_it_mentions_the_bot() -> None:
    base = dict(platform="x", post_id="1", author_id="2", author_handle="a", author_name="A", text="t",
                created_at=START, kind="original")
    assert Post(**base, mentions_bot=True).can_reply  # type: ignore[arg-type]
    assert not Post(**base, mentions_bot=False).can_reply  # type: ignore[arg-type]


async def test_user_context_client_without_bearer_searches_with_oauth1(sandbox: SandboxX, clock: SandboxClock) -> None:
    creds = {k: v for k, v in sandbox.credentials.items() if k != "bearer_token"}
    client = AsyncClient(**creds)
    from bot.sandbox.x import connect_async_client

    connect_async_client(client, sandbox.base_url)
    try:
        sandbox.add_post("hi #EduMentoring", "alice")
        src = XSource(client, bot_user_id=sandbox.bot_account.id, bot_handle="MentorBot", clock=clock)
        assert (await src.poll(QUERY, None)).posts
        assert sandbox.log[-1].status == 200
    finally:
        await client.session.close()


async def test_bot_account_is_found_from_the_credentials(sandbox: SandboxX, client: Any) -> None:
    from bot.intake.x_source import fetch_bot_account

    assert await fetch_bot_account(client) == (sandbox.bot_account.id, "MentorBot")


def test_cursor_fits_the_64_character_column() -> None:
    from bot.intake.cursor import XCursor, parse_cursor

    big = "9" * 19
    cursor = XCursor(since_id=big, until_id=big, top_id=big)
    encoded = cursor.encode()
    assert encoded is not None and len(encoded) <= 64
    assert parse_cursor(encoded) == cursor
    assert parse_cursor("12345") == XCursor(since_id="12345")


async def test_deleting_the_bots_reply_removes_it_and_deleting_it_again_or_anothers_post_is_said(
        sandbox: SandboxX, source: XSource) -> None:
    pid = sandbox.add_post("Looking for a mentor #EduMentoring @MentorBot", "alice")
    reply = await source.reply(pid, "Welcome, @alice!")
    assert reply.ok and reply.post_id is not None
    deleted = await source.delete(reply.post_id)
    assert deleted.ok and not deleted.gone and sandbox.log[-1].status == 200
    assert sandbox.store.get(reply.post_id) is None and [p.id for p in sandbox.deleted] == [reply.post_id]
    again = await source.delete(reply.post_id)  # X: {"data": {"deleted": false}}
    assert again.ok and again.gone
    refused = await source.delete(pid)  # alice's own post
    assert not refused.ok and "403" in (refused.refused_reason or "") and sandbox.post(pid) is not None
