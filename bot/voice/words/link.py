"""A programme's words for ``/link``: proving that an account which posted with the programme's hashtag is the
member's own (a private code posted from it), and every answer along the way."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from bot.nudges.templates import template_fields
from bot.voice.words.checking import WordTable

#: The placeholders each of the link words may use (and that /link always fills).
LINK_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "prove": ("account", "post", "hours"),
    "linked": ("account",),
    "already": ("account",),
    "rate_limited": ("wait",),
    "account_x": ("handle",),
    "account_on": ("handle", "platform"),
    "account_unnamed": ("platform",),
    "minutes": ("count",),
}
#: what a text must still say: the code to post, whose account it is, how long to wait
LINK_NEEDS: dict[str, tuple[str, ...]] = {
    "prove": ("post",), "rate_limited": ("wait",), "account_x": ("handle",), "account_on": ("handle",),
    "minutes": ("count",),
}


class LinkWords(WordTable):
    """``[link]``: what ``/link`` answers. {account} is the account in question (``account_*``), {post} the
    hashtag and code to post from it. The defaults are the neutral ones (also for a member of several
    programmes whose try matched none)."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = LINK_PLACEHOLDERS

    #: the private code to post from the account ({hours}: how long it works)
    prove: str = Field(default="To show that {account} is yours, post this from that account: `{post}` (a new post "
                               "or a reply, with the hashtag so I see it). I'll link it as soon as I see it and "
                               "message you here. The code works only for you and only from {account}, for {hours} "
                               "hours — don't share it.", min_length=1, max_length=900)
    #: the code was seen, posted from the account: linked (the interview carries on, filled in from the post)
    linked: str = Field(default="Thanks — I saw your code posted from {account}, so I've linked it to you. Let's "
                                "continue your interview; I've filled in what your post told me, so just confirm or "
                                "change each answer.", min_length=1, max_length=600)
    already: str = Field(default="{account} is already linked to you — let's continue your interview.", min_length=1,
                         max_length=300)
    #: no post seen from that account; linked to someone else; the post too old; too many tries ({wait})
    unknown: str = Field(default="I haven't seen a post with the programme's hashtag from that account. Give the "
                                 "handle you posted from (e.g. /link @your_handle, or bluesky:you.bsky.social) after "
                                 "your post is up.", min_length=1, max_length=600)
    used: str = Field(default="That account is already linked to someone else. If you think that's a mistake, ask an "
                              "organiser.", min_length=1, max_length=300)
    expired: str = Field(default="That post is too old to link now. Ask an organiser, or just use /join to start.",
                         min_length=1, max_length=300)
    rate_limited: str = Field(default="You've tried several times in a short time, so I've paused /link for you — "
                                      "please try again in {wait}.", min_length=1, max_length=300)
    #: the {account}: on X, on another platform ({platform}: Bluesky, Mastodon), with no handle known
    account_x: str = Field(default="@{handle}", min_length=1, max_length=100)
    account_on: str = Field(default="@{handle} on {platform}", min_length=1, max_length=100)
    account_unnamed: str = Field(default="your {platform} account", min_length=1, max_length=100)
    #: the {wait}: one minute / {count} minutes
    minute_one: str = Field(default="1 minute", min_length=1, max_length=50)
    minutes: str = Field(default="{count} minutes", min_length=1, max_length=50)

    @model_validator(mode="after")
    def _needed_said(self) -> LinkWords:
        for name, needed in LINK_NEEDS.items():
            missing = [f"{{{p}}}" for p in needed if p not in template_fields(getattr(self, name))]
            if missing:
                raise ValueError(f"{name}: must say {', '.join(missing)}")
        return self
