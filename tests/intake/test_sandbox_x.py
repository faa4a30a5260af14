"""The local X answers the real tweepy AsyncClient the way X does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import tweepy
from tweepy.asynchronous import AsyncClient

from bot.clock import SandboxClock
from bot.sandbox.x import SandboxX, connect_async_client
from tests.support.sources import START


async def search(client: Any, query: str, **kw: Any) -> Any:
    return await client.search_recent_tweets(
        query,
        expansions="author_id",
        user_fields=["username", "name"],
        tweet_fields=["created_at", "referenced_tweets"],
        max_results=kw.pop("max_results", 100),
        **kw,
    )


async def test_tweepy_reads_a_page_of_hashtag_posts(sandbox: SandboxX, client: Any) -> None:
    posted = START - timedelta(minutes=5)
    first = sandbox.add_post("Looking for a mentor #EduMentoring", "alice", "Alice A", created_at=posted)
    second = sandbox.add_post("Happy to mentor! #edumentoring", "bob", "Bob B", created_at=posted + timedelta(minutes=1))
    sandbox.add_post("Unrelated post #Other", "carol")
    sandbox.add_post("#EduMentoringX is another tag", "dave")

    resp = await search(client, "#EduMentoring -is:retweet")

    assert isinstance(resp, tweepy.Response)
    assert [t.id for t in resp.data] == [int(second), int(first)]  # newest first
    assert int(second) > int(first)
    assert isinstance(resp.data[0], tweepy.Tweet)
    assert resp.data[1].text == "Looking for a mentor #EduMentoring"
    assert resp.data[0].created_at == posted + timedelta(minutes=1)
    users = {u.id: u for u in resp.includes["users"]}
    assert users[resp.data[1].author_id].username == "alice"
    assert users[resp.data[1].author_id].name == "Alice A"
    assert resp.meta == {"newest_id": second, "oldest_id": first, "result_count": 2}


async def test_empty_result_has_no_data_only_meta(client: Any) -> None:
    resp = await search(client, "#Nothing")
    assert resp.data is None
    assert resp.meta == {"result_count": 0}


async def test_query_or_of_tags_and_is_filters(sandbox: SandboxX, client: Any) -> None:
    a = sandbox.add_post("one #TagA", "alice")
    b = sandbox.add_post("two #tagb", "bob")
    sandbox.add_post("x", "carol", retweet_of=a)
    reply = sandbox.add_post("same here #TagA", "dave", reply_to=b)
    sandbox.add_post("three #TagC", "erin")

    both = await search(client, "(#taga OR #TagB) -is:retweet")
    assert {str(t.id) for t in both.data} == {a, b, reply}
    no_replies = await search(client, "(#TagA OR #TagB) -is:retweet -is:reply")
    assert {str(t.id) for t in no_replies.data} == {a, b}
    with_rts = await search(client, "#TagA")
    assert len(with_rts.data) == 3
    retweet = next(t for t in with_rts.data if t.text.startswith("RT @alice: "))
    assert retweet.referenced_tweets[0].type == "retweeted"


async def test_retweet_reply_and_quote_carry_references(sandbox: SandboxX, client: Any) -> None:
    orig = sandbox.add_post("orig #T", "alice")
    sandbox.add_post("", "bob", retweet_of=orig)
    sandbox.add_post("agreed #T", "carol", reply_to=orig)
    sandbox.add_post("look at this #T", "dave", quote_of=orig)
    resp = await client.search_recent_tweets(
        "#T", tweet_fields=["referenced_tweets", "in_reply_to_user_id"], expansions="author_id", max_results=10
    )
    by_text = {t.text: t for t in resp.data}
    assert by_text["RT @alice: orig #T"].referenced_tweets[0].type == "retweeted"
    reply = by_text["@alice agreed #T"]
    assert reply.referenced_tweets[0].type == "replied_to"
    assert reply.in_reply_to_user_id == int(sandbox.store.user("alice").id)
    assert by_text["look at this #T"].referenced_tweets[0].type == "quoted"


async def test_pagination_250_posts_over_three_pages(sandbox: SandboxX, client: Any) -> None:
    ids = [sandbox.add_post(f"post {i} #Edu", f"user{i}") for i in range(250)]
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        resp = await search(client, "#Edu -is:retweet", next_token=token)
        pages += 1
        seen += [str(t.id) for t in resp.data]
        token = resp.meta.get("next_token")
        if token is None:
            break
    assert pages == 3
    assert seen == list(reversed(ids))


async def test_since_id_returns_only_newer_posts(sandbox: SandboxX, client: Any) -> None:
    old = sandbox.add_post("old #Edu", "alice")
    new = sandbox.add_post("new #Edu", "bob")
    resp = await search(client, "#Edu", since_id=old)
    assert [str(t.id) for t in resp.data] == [new]


async def test_future_posts_appear_when_the_clock_reaches_them(
    sandbox: SandboxX, client: Any, clock: SandboxClock
) -> None:
    later = sandbox.add_post("later #Edu", "alice", created_at=START + timedelta(hours=1))
    assert (await search(client, "#Edu")).data is None
    clock.advance(timedelta(hours=2))
    assert [str(t.id) for t in (await search(client, "#Edu")).data] == [later]


async def test_bad_token_is_401(sandbox: SandboxX) -> None:
    client = AsyncClient(bearer_token="wrong")
    connect_async_client(client, sandbox.base_url)
    try:
        with pytest.raises(tweepy.Unauthorized):
            await search(client, "#Edu")
    finally:
        await client.session.close()
    assert sandbox.log[-1].status == 401


async def test_rate_limit_headers_and_429_with_reset(sandbox: SandboxX, client: Any) -> None:
    sandbox.set_rate_limit(2)
    await search(client, "#Edu")
    await search(client, "#Edu")
    assert sandbox.log[-1].headers["x-rate-limit-remaining"] == "0"
    with pytest.raises(tweepy.TooManyRequests) as caught:
        await search(client, "#Edu")
    reset = int(caught.value.response.headers["x-rate-limit-reset"])
    assert 0 <= reset - (START + timedelta(minutes=15)).timestamp() <= 1
    assert caught.value.response.headers["x-rate-limit-limit"] == "2"


async def test_injected_503_then_normal(sandbox: SandboxX, client: Any) -> None:
    sandbox.faults.inject("503", 1)
    with pytest.raises(tweepy.TwitterServerError):
        await search(client, "#Edu")
    assert (await search(client, "#Edu")).meta == {"result_count": 0}


async def test_reply_allowed_only_to_posts_mentioning_the_bot(sandbox: SandboxX, client: Any) -> None:
    mentions = sandbox.add_post("Looking for a mentor #Edu @MentorBot", "alice")
    plain = sandbox.add_post("Looking for a mentor #Edu", "bob")

    resp = await client.create_tweet(text="Welcome! code EDU-7K2Q", in_reply_to_tweet_id=mentions)
    assert resp.data["text"] == "Welcome! code EDU-7K2Q"
    with pytest.raises(tweepy.Forbidden) as caught:
        await client.create_tweet(text="Welcome! code EDU-AB3C", in_reply_to_tweet_id=plain)
    assert "not allowed" in str(caught.value)
    assert [p.text for p in sandbox.replies] == ["Welcome! code EDU-7K2Q"]
    assert sandbox.replies[0].ref("replied_to") == mentions


async def test_app_only_token_cannot_post(sandbox: SandboxX) -> None:
    client = AsyncClient(bearer_token=sandbox.credentials["bearer_token"])
    connect_async_client(client, sandbox.base_url)
    try:
        with pytest.raises(tweepy.Forbidden):
            await client.create_tweet(text="hello", user_auth=False)
    finally:
        await client.session.close()


async def test_log_records_requests_with_clock_time(sandbox: SandboxX, client: Any, clock: SandboxClock) -> None:
    clock.advance(timedelta(days=1))
    await client.create_tweet(text="hello world")
    entry = sandbox.export_log()[-1]
    assert set(entry) == {"t", "method", "path", "json", "status", "response"}
    assert entry["method"] == "POST" and entry["path"] == "/2/tweets"
    assert entry["json"] == {"text": "hello world"}
    assert entry["status"] == 201
    assert entry["t"].startswith("2026-11-25T09:00")


async def test_since_id_older_than_seven_days_is_400(sandbox: SandboxX, client: Any, clock: SandboxClock) -> None:
    old = sandbox.add_post("old #Edu", "alice")
    clock.advance(timedelta(days=8))
    with pytest.raises(tweepy.BadRequest) as caught:
        await search(client, "#Edu", since_id=old)
    assert "since_id" in str(caught.value)


async def test_reply_allowed_to_a_post_quoting_the_bot(sandbox: SandboxX, client: Any) -> None:
    bots = sandbox.add_post("Join #Edu", "MentorBot")
    quote = sandbox.add_post("Count me in", "alice", quote_of=bots)
    resp = await client.create_tweet(text="Welcome aboard", in_reply_to_tweet_id=quote)
    assert resp.data["id"] == sandbox.replies[-1].id


async def test_max_results_outside_10_to_100_is_400(client: Any) -> None:
    with pytest.raises(tweepy.BadRequest):
        await client.search_recent_tweets("#Edu", max_results=5)
