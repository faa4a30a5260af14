"""Invite texts: the bot's reply (≤ 280 as X counts, which also fits Bluesky's 300 and Mastodon's 500), and
the ready-to-copy text for organisers when the bot may not reply (on X: the post did not @mention the bot's
account; anywhere: replies are off for the source, or the platform refused)."""

from __future__ import annotations

import re
import unicodedata

from bot.intake.source import Post, platform_name
from bot.onboarding.safe_text import safe_text

X_LIMIT = 280
URL_WEIGHT = 23  # X shortens every link to t.co: it counts 23 characters, however long it is
DISCORD_LIMIT = 2000

# The public reply holds no secret: anyone can read it, so nothing in it may link an account. A member
# proves the account is theirs by posting, from it, a code the bot gives them privately on Discord (/link).
DEFAULT_TEMPLATE = (
    "Thanks for posting in {programme}! Join us on Discord: {invite_url} — then use /link there to connect "
    "this account to you."
)
SHORT_TEMPLATE = "{programme}: join us at {invite_url} (then /link there)"
_URL_RE = re.compile(r"https?://\S+")


def x_length(text: str) -> int:
    """Length as X counts it: links 23, characters from wide scripts (CJK, emoji) 2, others 1."""
    total = URL_WEIGHT * len(_URL_RE.findall(text))
    for ch in _URL_RE.sub("", unicodedata.normalize("NFC", text)):
        wide = unicodedata.east_asian_width(ch) in ("W", "F") or ord(ch) >= 0x1F000
        total += 2 if wide else 1
    return total


def _fill(template: str, *, programme: str, invite_url: str, handle: str = "") -> str:
    return template.format(programme=programme, invite_url=invite_url, handle=handle).strip()


def reply_text(*, programme: str, invite_url: str, template: str | None = None, handle: str = "",
               short: str | None = None) -> str:
    """The bot's public reply: ``@handle`` (when given: it addresses the person, and X refuses a second
    post with the same text) and ``template`` (fields ``{programme}``, ``{invite_url}``: the programme's voice's
    ``public_reply``) or the default; falls back to ``short`` (its ``public_reply_short``) when it would exceed
    280; ValueError if even that does not fit, the link is missing from the template, or it asks for a code (a
    public reply must not carry one)."""
    at = f"@{handle} " if handle else ""
    for candidate in (template or DEFAULT_TEMPLATE, short or SHORT_TEMPLATE):
        if "{invite_url}" not in candidate:
            raise ValueError("an invite template needs {invite_url}")
        if "{code}" in candidate:
            raise ValueError("a public reply must not carry a code: members prove their account with /link")
        text = at + _fill(candidate, programme=programme, invite_url=invite_url)
        if x_length(text) <= X_LIMIT:
            return text
    raise ValueError("the invite text does not fit in 280 characters")


def manual_reply_text(post: Post, *, programme: str, invite_url: str, template: str | None = None,
                      short: str | None = None) -> str:
    """What an organiser pastes as a reply to ``post`` by hand: the invite, starting with ``@handle``."""
    body = reply_text(programme=programme, invite_url=invite_url, template=template, short=short)
    text = f"@{post.author_handle} {body}" if post.author_handle else body
    if x_length(text) > X_LIMIT:
        text = f"@{post.author_handle} " + _fill(short or SHORT_TEMPLATE, programme=programme, invite_url=invite_url)
    return text


def organiser_lead_message(post: Post, copy_text: str, *, reason: str | None = None) -> str:
    """The organisers' queue entry (a Discord message, <= 2000 chars): who posted what, where, why the bot
    did not reply, and the text to copy in a code block. What the poster wrote (display name, handle, post
    text) is escaped: ``[Official](https://evil.example)`` shows as text, never as a link or a ping."""
    quoted = safe_text(post.text, 300)
    why = reason or (
        "X only lets the bot reply to posts that @mention its account" if post.platform == "x"
        else "automatic replies are off"
    )
    handle = safe_text(post.author_handle, 100)
    name = f"{safe_text(post.author_name, 100)} (@{handle})" if post.author_name else f"@{handle}"
    fence = "`" * 3
    copy = copy_text.replace(fence, "'" * 3)
    message = (
        f"New lead from {platform_name(post.platform)}: {name}\n> {quoted}\n<{post.url}>\n"
        f"The bot could not reply ({why}). Reply to the post by hand with:\n{fence}\n{copy}\n{fence}"
    )
    return message[:DISCORD_LIMIT]
