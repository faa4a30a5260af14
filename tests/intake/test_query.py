"""The local X understands the search syntax the bot uses, with X's precedence and errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.sandbox.x.model import SandboxPost, SandboxUser
from bot.sandbox.x.query import QueryError, parse_query

USER = SandboxUser(id="1", username="alice", name="Alice")


def post(text: str, *refs: tuple[str, str]) -> SandboxPost:
    return SandboxPost(id="10", text=text, author=USER, created_at=datetime(2026, 1, 1, tzinfo=UTC),
                       conversation_id="10", referenced=list(refs))


def matches(query: str, text: str, *refs: tuple[str, str]) -> bool:
    return parse_query(query).match(post(text, *refs))


def test_hashtags_match_whole_tags_case_insensitively() -> None:
    assert matches("#EduMentoring", "hi #edumentoring!")
    assert not matches("#Edu", "hi #EduMentoring")
    assert not matches("#EduMentoring", "EduMentoring without hash")


def test_and_binds_tighter_than_or() -> None:
    assert matches("#a #b OR #c", "only #c")
    assert not matches("#a #b OR #c", "only #a")
    assert matches("#a (#b OR #c)", "#a and #c")


def test_negations_exclude_retweets_replies_and_words() -> None:
    assert not matches("#a -is:retweet", "RT @x: #a", ("retweeted", "5"))
    assert not matches("#a -is:reply", "@x #a", ("replied_to", "5"))
    assert matches("#a -is:reply", "#a quoting", ("quoted", "5"))
    assert not matches('#a -"not me"', "#a not me please")


def test_mentions_and_from() -> None:
    assert matches("@MentorBot", "hey @mentorbot")
    assert matches("from:Alice #a", "#a")


@pytest.mark.parametrize("bad", ["", "-is:retweet", "(#a OR #b", "#a)", "is:verified"])
def test_invalid_queries_are_rejected(bad: str) -> None:
    with pytest.raises(QueryError):
        parse_query(bad)
