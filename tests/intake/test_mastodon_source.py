"""MastodonSource: leads from an instance's hashtag timeline through the real Mastodon.py against the local Mastodon."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import SandboxClock
from bot.intake.mastodon_parse import full_acct, html_to_text, post_url, rate_reset
from bot.intake.mastodon_source import MastodonSource, fetch_mastodon_account, make_mastodon_client_from_env
from bot.intake.source import Source
from bot.sandbox.mastodon import SandboxMastodon
from tests.support.sources import START, Sleeps, make_masto_source, minutes_ago

TAG = "#EduMentoring"
TIMELINE = "/api/v1/timelines/tag/"


def timeline_calls(masto: SandboxMastodon) -> list[Any]:
    return [r for r in masto.log if r.path.startswith(TIMELINE)]


def sixty(masto: SandboxMastodon) -> list[str]:
    return [masto.add_post(f"post {i} #EduMentoring", f"user{i}", created_at=minutes_ago(120 - i)) for i in range(60)]


async def test_mastodon_source_is_a_source(masto_source: MastodonSource) -> None:
    assert isinstance(masto_source, Source) and masto_source.platform == "mastodon"


async def test_poll_reads_a_status_as_plain_text_with_acct_at_instance(
    masto: SandboxMastodon, masto_source: MastodonSource
) -> None:
    pid = masto.add_post("Looking for a mentor\n\n#EduMentoring & more", "alice", "Alice A", created_at=minutes_ago(5))
    remote = masto.add_post("Me too #EduMentoring", "Bob@Other.Social", created_at=minutes_ago(4))
    result = await masto_source.poll(TAG, None)
    assert result.ok and result.complete
    by_id = {p.post_id: p for p in result.posts}
    alice, bob = by_id[pid], by_id[remote]
    assert (alice.author_id, alice.author_name) == ("alice@mastodon.sandbox", "Alice A")
    assert alice.text == "Looking for a mentor\n\n#EduMentoring & more"
    assert alice.created_at == minutes_ago(5) and alice.is_lead
    assert bob.author_id == "bob@other.social" and bob.is_lead
    assert post_url(alice) == f"https://mastodon.sandbox/@alice@mastodon.sandbox/{pid.split('@')[0]}"
    assert result.new_cursor == remote.split("@")[0]


async def test_sixty_statuses_arrive_page_by_page_with_a_safe_cursor_each(
    masto: SandboxMastodon, masto_source: MastodonSource
) -> None:
    ids = sixty(masto)
    pages = [page async for page in masto_source.pages(TAG, None)]
    assert [len(p.posts) for p in pages] == [20, 20, 20, 0]
    for page in pages[:3]:  # oldest page first, each page newest first; its cursor is its newest id
        assert page.cursor == page.posts[0].post_id.split("@")[0]
    assert [p.post_id for page in pages for p in reversed(page.posts)] == ids
    assert pages[-1].last and pages[-1].cursor == ids[-1].split("@")[0]
    assert all("min_id=" in r.path for r in timeline_calls(masto))
    again = await masto_source.poll(TAG, pages[-1].cursor)
    assert again.posts == () and again.new_cursor == pages[-1].cursor


async def test_restart_between_pages_misses_nothing(
    masto: SandboxMastodon, masto_client: Any, clock: SandboxClock, sleeps: Sleeps
) -> None:
    ids = sixty(masto)
    first = make_masto_source(masto, masto_client, clock, sleeps, limit=20)
    stored: set[str] = set()
    cursor: str | None = None
    async for page in first.pages(TAG, None):  # store one page, then crash
        stored |= {p.post_id for p in page.posts}
        cursor = page.cursor
        break
    late = [masto.add_post(f"late {i} #EduMentoring", f"late{i}") for i in range(3)]
    restarted = make_masto_source(masto, masto_client, clock, sleeps, limit=20)
    result = await restarted.poll(TAG, cursor)
    assert result.ok and not stored & {p.post_id for p in result.posts}
    assert stored | {p.post_id for p in result.posts} == set(ids) | set(late)


async def test_boosts_replies_quotes_and_own_posts_are_not_leads(
    clock: SandboxClock, sleeps: Sleeps
) -> None:
    async with SandboxMastodon(clock, tag_timeline_boosts=True) as masto:
        source = make_masto_source(masto, masto.make_client(), clock, sleeps)
        original = masto.add_post("Mentor wanted #EduMentoring", "alice", created_at=minutes_ago(9))
        masto.add_post("", "bob", boost_of=original, created_at=minutes_ago(8))
        masto.add_post("+1 #EduMentoring", "carol@elsewhere.org", reply_to=original, created_at=minutes_ago(7))
        masto.add_post("look #EduMentoring", "dave", quote_of=original, created_at=minutes_ago(6))
        masto.add_post("Join us #EduMentoring", "mentorbot", created_at=minutes_ago(5))
        masto.add_post("Quiet one #EduMentoring", "frank", visibility="unlisted", created_at=minutes_ago(4))
        mention = masto.add_post("@mentorbot count me in #EduMentoring", "erin", created_at=minutes_ago(3))
        result = await source.poll(TAG, None)
    kinds = {p.author_id: p.kind for p in result.posts}
    assert kinds == {
        "alice@mastodon.sandbox": "original",
        "bob@mastodon.sandbox": "retweet",
        "carol@elsewhere.org": "reply",
        "dave@mastodon.sandbox": "quote",
        "mentorbot@mastodon.sandbox": "original",
        "erin@mastodon.sandbox": "original",
    }  # an unlisted status is not on the hashtag timeline
    assert [p.post_id for p in result.posts if p.is_lead] == [mention, original]
    assert [p.author_id for p in result.posts if p.is_own] == ["mentorbot@mastodon.sandbox"]
    assert [p.mentions_bot for p in result.posts if p.post_id == mention] == [True]


async def test_429_pauses_until_the_reset_header_without_sleeping_and_resuming_misses_nothing(
    masto: SandboxMastodon, masto_source: MastodonSource, clock: SandboxClock, sleeps: Sleeps
) -> None:
    ids = sixty(masto)
    run = masto_source.pages(TAG, None)
    got: set[str] = set()
    cursor: str | None = None
    async for page in run:
        got |= {p.post_id for p in page.posts}
        cursor = page.cursor
        masto.faults.inject("429", 1, path=TIMELINE)
    reset = masto.limits["read"].reset_at(clock.now())
    assert run.paused_until == reset and sleeps.delays == [] and not run.complete
    assert len(got) == 20 and [r.status for r in timeline_calls(masto)] == [200, 429]
    early = await masto_source.poll(TAG, cursor)
    assert early.paused_until == reset and len(timeline_calls(masto)) == 2  # no request before the reset
    clock.advance_to(reset)
    result = await masto_source.poll(TAG, cursor)
    assert result.ok and got | {p.post_id for p in result.posts} == set(ids)


async def test_used_up_rate_window_pauses_before_a_429(
    masto: SandboxMastodon, masto_source: MastodonSource, clock: SandboxClock
) -> None:
    sixty(masto)
    masto.set_rate_limit(2, "read")  # Mastodon.py reads /api/v2/instance first, then one page
    result = await masto_source.poll(TAG, None)
    assert result.paused_until == masto.limits["read"].reset_at(clock.now()) and len(result.posts) == 20
    assert 429 not in [r.status for r in masto.log]


async def test_503_is_retried_with_backoff(masto: SandboxMastodon, masto_source: MastodonSource, sleeps: Sleeps) -> None:
    pid = masto.add_post("hello #EduMentoring", "alice")
    masto.faults.inject("503", 2, path=TIMELINE)
    result = await masto_source.poll(TAG, None)
    assert result.ok and [p.post_id for p in result.posts] == [pid]
    assert [r.status for r in timeline_calls(masto)] == [503, 503, 200] and len(sleeps.delays) == 2


async def test_503_that_persists_is_a_transient_failure(masto: SandboxMastodon, masto_source: MastodonSource) -> None:
    masto.faults.inject("503", 5, path=TIMELINE)
    result = await masto_source.poll(TAG, None)
    assert result.failure is not None and "503" in result.failure and result.fatal_error is None


async def test_revoked_token_is_fatal_and_not_retried(
    masto: SandboxMastodon, masto_source: MastodonSource, sleeps: Sleeps
) -> None:
    masto.revoke_token()
    result = await masto_source.poll(TAG, None)
    assert result.fatal_error is not None and "401" in result.fatal_error
    assert len(timeline_calls(masto)) == 1 and sleeps.delays == []


@pytest.mark.filterwarnings("ignore::mastodon.errors.MastodonWarning")
async def test_hashtag_feed_for_logged_in_users_only_is_fatal_without_a_token(
    clock: SandboxClock, sleeps: Sleeps
) -> None:
    async with SandboxMastodon(clock, hashtag_feeds="authenticated") as masto:
        source = make_masto_source(masto, masto.make_client(token=False), clock, sleeps)
        result = await source.poll(TAG, None)
    assert result.fatal_error is not None and "422" in result.fatal_error


async def test_reply_is_a_status_in_reply_to_the_post_with_the_configured_visibility(
    masto: SandboxMastodon, masto_client: Any, clock: SandboxClock, sleeps: Sleeps
) -> None:
    source = make_masto_source(masto, masto_client, clock, sleeps, visibility="direct")
    pid = masto.add_post("Mentor wanted #EduMentoring", "carol@elsewhere.org")
    [post] = (await source.poll(TAG, None)).posts
    result = await source.reply(post, "Welcome! Join https://discord.gg/abc and say ABC-123")
    assert result.ok and result.post_id is not None
    [reply] = masto.replies
    assert reply.in_reply_to is masto.status(pid) and reply.visibility == "direct"
    assert reply.text.startswith("@carol@elsewhere.org Welcome!")
    assert [a.acct for a in reply.mentions] == ["carol@elsewhere.org"]
    assert result.post_id == f"{reply.id}@mastodon.sandbox"
    by_id = await source.reply(pid, "Welcome again")  # a stored post id works too
    assert by_id.ok and masto.replies[-1].in_reply_to is masto.status(pid)


async def test_reply_is_refused_without_a_token_or_for_a_gone_or_own_post(
    masto: SandboxMastodon, masto_source: MastodonSource, clock: SandboxClock, sleeps: Sleeps
) -> None:
    own = masto.add_post("Join us #EduMentoring", "mentorbot")
    assert (await masto_source.reply(own, "hi")).refused_reason == "refused: that is the bot's own post"
    gone = await masto_source.reply("999999@mastodon.sandbox", "hi")
    assert not gone.ok and gone.refused_reason == "refused: the post is gone"
    pid = masto.add_post("Mentor wanted #EduMentoring", "alice")
    anonymous = make_masto_source(masto, masto.make_client(token=False), clock, sleeps)
    assert "no Mastodon access token" in (await anonymous.reply(pid, "hi")).refused_reason  # type: ignore[operator]
    assert masto.replies == []


async def test_reply_rate_limited_gives_a_time(masto: SandboxMastodon, masto_source: MastodonSource) -> None:
    pid = masto.add_post("Mentor wanted #EduMentoring", "alice")
    masto.set_rate_limit(0, "write")
    result = await masto_source.reply(pid, "Welcome!")
    assert not result.ok and result.rate_limited_until is not None and result.rate_limited_until > START


async def test_the_event_loop_keeps_running_while_mastodon_answers_slowly(
    masto: SandboxMastodon, masto_source: MastodonSource
) -> None:
    masto.add_post("hello #EduMentoring", "alice")
    masto.faults.inject("slow", 1, delay=0.3, path=TIMELINE)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    result = await masto_source.poll(TAG, None)
    task.cancel()
    assert result.ok and len(result.posts) == 1 and ticks >= 5


async def test_client_from_environment(masto: SandboxMastodon) -> None:
    client = make_mastodon_client_from_env(masto.base_url, env={"MASTODON_ACCESS_TOKEN": masto.access_token})
    assert client.ratelimit_method == "throw" and client.access_token == masto.access_token
    assert await fetch_mastodon_account(client, domain=masto.domain) == "mentorbot@mastodon.sandbox"
    assert make_mastodon_client_from_env("mastodon.social", env={}).access_token is None
    assert make_mastodon_client_from_env("mastodon.social", env={}).api_base_url == "https://mastodon.social"


def test_parsing_helpers() -> None:
    html = '<p>Hi <a href="https://x/tags/a" class="mention hashtag" rel="tag">#<span>A</span></a> &amp; co<br />bye</p><p>two</p>'
    assert html_to_text(html) == "Hi #A & co\nbye\n\ntwo"
    assert full_acct("@Alice", "Mastodon.Social") == "alice@mastodon.social"
    assert full_acct("bob@other.org", "mastodon.social") == "bob@other.org"
    assert rate_reset("2026-11-24T09:05:00.000000Z") == START + timedelta(minutes=5)


async def test_deleting_the_bots_reply_removes_it_and_anothers_status_is_not_found(
        masto: SandboxMastodon, masto_source: MastodonSource) -> None:
    pid = masto.add_post("Mentor wanted #EduMentoring", "alice")
    reply = await masto_source.reply(pid, "Welcome!")
    assert reply.ok and reply.post_id is not None
    deleted = await masto_source.delete(reply.post_id)
    assert deleted.ok and not deleted.gone and masto.log[-1].status == 200
    assert masto.status(pid).replies == 0 and [s.id for s in masto.deleted] == [int(reply.post_id.split("@")[0])]
    again = await masto_source.delete(reply.post_id)  # Mastodon: 404 "Record not found"
    assert again.ok and again.gone and masto.log[-1].status == 404
    other = await masto_source.delete(pid)  # alice's: not among the bot's statuses, so "not found" too
    assert other.gone and masto.status(pid) is not None
