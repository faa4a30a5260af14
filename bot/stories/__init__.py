"""Stories people share when their match ends, as data: what exactly is posted where (the text, the
programme's hashtag, who wrote it — their handle only when they ask), and the platforms' length limits. No
discord import; what is previewed is what is posted, byte for byte (both come from :func:`compose`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.onboarding.safe_text import clean_input

STORY_LENGTH = 240  # room for the hashtag and the signature within X's 280
#: what a post may hold on each platform (characters; X counts some as two, so stay well within)
LIMITS = {"x": 280, "bluesky": 300, "mastodon": 500, "organisers": 1800}
DESTINATIONS = ("x", "bluesky", "mastodon", "organisers")
PUBLIC = ("x", "bluesky", "mastodon")
#: the custom_id of the story form's one field (fixed: what fills it in finds it whatever the programme calls it)
STORY_FIELD = "story"


def clean_story(text: str | None) -> str:
    """What was typed, as a story: trimmed, blank lines squeezed, at most :data:`STORY_LENGTH` characters."""
    lines = [" ".join(line.split()) for line in clean_input(text or "", one_line=False).splitlines()]
    squeezed: list[str] = []
    for line in lines:
        if line or (squeezed and squeezed[-1]):
            squeezed.append(line)
    return "\n".join(squeezed).strip()[:STORY_LENGTH].strip()


@dataclass(frozen=True)
class Signature:
    """Who the story is from, as the post says it: their role in the programme's words, or their own handle."""

    role: str  # in the programme's words: "a mentor", "a Run Leader Mentor"
    handle: str | None = None  # their handle on that platform, only when they asked for it


def compose(story: str, *, destination: str, hashtag: str | None, signature: Signature) -> str:
    """The exact text that goes out: the story in quotes, who wrote it, the programme's hashtag."""
    who = f"@{signature.handle.lstrip('@')}" if signature.handle else signature.role
    tag = f" #{hashtag}" if hashtag and destination in PUBLIC else ""
    text = f"“{story}”\n— {who}{tag}"
    limit = LIMITS.get(destination, 280)
    if len(text) > limit:  # never cut the hashtag or the signature: the story gives way
        room = limit - (len(text) - len(story)) - 1
        text = f"“{story[:max(room, 0)].rstrip()}…”\n— {who}{tag}"
    return text
