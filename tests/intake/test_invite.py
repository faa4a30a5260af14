"""Invite texts fit X, carry no secret, and give organisers something to copy (escaped)."""

from __future__ import annotations

import pytest

from bot.intake.invite import manual_reply_text, organiser_lead_message, reply_text, x_length
from bot.intake.source import Post
from tests.support.sources import START

POST = Post(platform="x", post_id="123", author_id="9", author_handle="alice", author_name="Alice",
            text="Looking for a mentor #EduMentoring", created_at=START, kind="original", mentions_bot=False)


def test_links_count_23_like_on_x() -> None:
    assert x_length("see https://discord.gg/" + "x" * 100) == 4 + 23


def test_reply_has_link_and_fits_and_no_code() -> None:
    text = reply_text(programme="#EduMentoring", invite_url="https://discord.gg/abc", handle="alice")
    assert text.startswith("@alice ") and "https://discord.gg/abc" in text and "#EduMentoring" in text
    assert "/link" in text and x_length(text) <= 280


def test_a_template_asking_for_a_code_is_refused() -> None:
    with pytest.raises(ValueError, match="must not carry a code"):
        reply_text(programme="#Edu", invite_url="https://x.y/z", template="{invite_url} {code}")


def test_overlong_template_falls_back_to_short_form() -> None:
    text = reply_text(programme="#Edu", invite_url="https://x.y/z", template="{invite_url} " + "blah " * 80)
    assert x_length(text) <= 280 and "https://x.y/z" in text


def test_organiser_gets_ready_to_copy_text() -> None:
    copy = manual_reply_text(POST, programme="#EduMentoring", invite_url="https://discord.gg/abc")
    assert copy.startswith("@alice ") and x_length(copy) <= 280
    message = organiser_lead_message(POST, copy)
    assert "https://x.com/alice/status/123" in message
    assert f"```\n{copy}\n```" in message
    assert len(message) <= 2000


def test_a_display_name_or_post_cannot_become_a_link_or_a_ping_in_the_organisers_channel() -> None:
    post = Post(platform="x", post_id="124", author_id="9", author_handle="mallory",
                author_name="[Official](https://evil.example)", created_at=START, kind="original",
                text="Click [here](https://evil.example) @everyone #EduMentoring", mentions_bot=False)
    message = organiser_lead_message(post, "copy")
    assert "[Official](" not in message and "[here](" not in message and "@everyone" not in message
    assert "\\[Official\\]\\(https://evil.example\\)" in message
