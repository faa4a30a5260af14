"""Invite texts fit X and give organisers something to copy."""

from __future__ import annotations

from bot.intake.invite import manual_reply_text, organiser_lead_message, reply_text, x_length
from bot.intake.source import Post
from tests.support.sources import START

POST = Post(platform="x", post_id="123", author_id="9", author_handle="alice", author_name="Alice",
            text="Looking for a mentor #EduMentoring", created_at=START, kind="original", mentions_bot=False)


def test_links_count_23_like_on_x() -> None:
    assert x_length("see https://discord.gg/" + "x" * 100) == 4 + 23


def test_reply_has_link_and_code_and_fits() -> None:
    text = reply_text(programme="#EduMentoring", invite_url="https://discord.gg/abc", code="EDU-7K2Q")
    assert "https://discord.gg/abc" in text and "EDU-7K2Q" in text and "#EduMentoring" in text
    assert x_length(text) <= 280


def test_overlong_template_falls_back_to_short_form() -> None:
    text = reply_text(programme="#Edu", invite_url="https://x.y/z", code="EDU-7K2Q",
                      template="{invite_url} {code} " + "blah " * 80)
    assert x_length(text) <= 280 and "EDU-7K2Q" in text


def test_organiser_gets_ready_to_copy_text() -> None:
    copy = manual_reply_text(POST, programme="#EduMentoring", invite_url="https://discord.gg/abc", code="EDU-7K2Q")
    assert copy.startswith("@alice ") and x_length(copy) <= 280
    message = organiser_lead_message(POST, copy)
    assert "https://x.com/alice/status/123" in message
    assert f"```\n{copy}\n```" in message
    assert len(message) <= 2000
