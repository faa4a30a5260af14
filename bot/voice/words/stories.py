"""A programme's words for sharing a story: the offer, the form, where to post it, the answers after, who the
post says wrote it, and what the organisers are told."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from bot.nudges.templates import template_fields
from bot.voice.words.checking import WordTable

#: The placeholders each of the story words may use (and that the stories flow always fills).
STORY_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "post_on": ("platform",),
    "post_with_handle": ("platform",),
    "preview_public": ("platform",),
    "nothing_sent": ("button",),
    "posted": ("platform",),
    "unclear": ("platform",),
    "refused": ("platform", "reason"),
    "to_organisers": ("person", "story"),
    "unclear_notice": ("platform", "error"),
}
#: what a text must still say (the organisers' copy of a story without the story tells them nothing)
STORY_NEEDS: dict[str, tuple[str, ...]] = {"to_organisers": ("story",)}


class StoryWords(WordTable):
    """``[stories]``: the words of sharing a story once a match has ended (the offer itself is the voice's
    ``story_offer``): the buttons, the form, where it may go, the preview and what the person is told after.
    The defaults are the neutral ones, and the words for an offer whose programme no longer exists."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = STORY_PLACEHOLDERS

    #: the offer's buttons, the preview's (Discord: 80 characters a label)
    write_button: str = Field(default="Write my story", min_length=1, max_length=80)
    no_button: str = Field(default="No thanks", min_length=1, max_length=80)
    rewrite_button: str = Field(default="Rewrite it", min_length=1, max_length=80)
    share_button: str = Field(default="Yes, share it", min_length=1, max_length=80)
    #: the form (Discord: 45 characters a title or label, 100 a placeholder)
    form_title: str = Field(default="Your story", min_length=1, max_length=45)
    form_label: str = Field(default="A few lines about your mentoring", min_length=1, max_length=45)
    form_example: str = Field(default="What difference did it make for you?", min_length=1, max_length=100)
    #: the answer to an empty story, and to a story written (above the places it may go)
    empty: str = Field(default="Please write a few words — or just ignore the offer, that's fine too.",
                       min_length=1, max_length=300)
    where: str = Field(default="Thank you! Where would you like it to go? You'll see exactly what would be "
                               "posted before anything goes out.", min_length=1, max_length=300)
    #: the places (80 characters a label; {platform}: X, Bluesky or Mastodon)
    post_on: str = Field(default="Post on {platform}", min_length=1, max_length=80)
    post_with_handle: str = Field(default="On {platform} with my handle", min_length=1, max_length=80)
    organisers_only: str = Field(default="Organisers only", min_length=1, max_length=80)
    #: above the preview: a public post ({platform}) / the organisers only; below it ({button}: share_button)
    preview_public: str = Field(default="Here is exactly what will be posted by the programme's account on "
                                        "{platform}", min_length=1, max_length=300)
    preview_organisers: str = Field(default="Here is exactly what will be shown to the programme's organisers",
                                    min_length=1, max_length=300)
    nothing_sent: str = Field(default="Nothing is sent until you press “{button}”.", min_length=1, max_length=300)
    #: a place no longer offered; a confirmation of a preview older than the story
    place_gone: str = Field(default="That place isn't available for this programme any more.", min_length=1,
                            max_length=300)
    changed: str = Field(default="Your story changed since that preview — please look at the new preview before "
                                 "confirming.", min_length=1, max_length=300)
    #: after the confirmation: posted ({platform}; its link follows), with the organisers, the organisers could
    #: not be reached, the platform's answer unclear (it may have gone out) or a refusal ({reason}: why)
    posted: str = Field(default="Posted on {platform} — thank you for sharing! 💛", min_length=1, max_length=300)
    shared: str = Field(default="Thank you — I've passed your story to the organisers. 💛", min_length=1,
                        max_length=300)
    organisers_unreachable: str = Field(default="I couldn't reach the organisers just now; nothing was sent. "
                                                "Please try again later.", min_length=1, max_length=300)
    unclear: str = Field(default="{platform} didn't confirm the post, so I won't try again (it may have gone out). "
                                 "The organisers will check.", min_length=1, max_length=300)
    refused: str = Field(default="{platform} didn't take the post ({reason}); nothing was posted. You can try "
                                 "again later or choose another place.", min_length=1, max_length=400)
    #: "No thanks"
    declined: str = Field(default="No problem at all — thank you for taking part. Nothing will be shared.",
                          min_length=1, max_length=300)
    #: a click on an offer that is gone, or someone else's
    offer_closed: str = Field(default="This offer is no longer open.", min_length=1, max_length=300)
    not_yours: str = Field(default="This story belongs to someone else.", min_length=1, max_length=300)
    #: a click on a story settled already: posted (its link follows), with the organisers, being posted,
    #: declined, anything else
    already_posted: str = Field(default="Your story is already posted — thank you! It is shared once, never twice.",
                                min_length=1, max_length=300)
    already_shared: str = Field(default="Your story is already with the organisers — thank you!", min_length=1,
                                max_length=300)
    posting: str = Field(default="Your story is being posted right now.", min_length=1, max_length=300)
    already_declined: str = Field(default="You chose not to share a story — that's fine.", min_length=1,
                                  max_length=300)
    settled: str = Field(default="This story can't be changed any more; the organisers can help.", min_length=1,
                         max_length=300)
    #: who the post says wrote the story when it goes out without their handle (``“…” — a mentee``): its
    #: mentor, its mentee, someone whose match is gone; kept short, the story gives way to it
    signed_mentor: str = Field(default="a mentor", min_length=1, max_length=40)
    signed_mentee: str = Field(default="a mentee", min_length=1, max_length=40)
    signed_member: str = Field(default="a member", min_length=1, max_length=40)
    #: the reason given in ``refused`` when the platform said no more than that it is busy
    busy: str = Field(default="it is busy just now", min_length=1, max_length=100)
    #: the offer's {partner} when the partner has left
    your_partner: str = Field(default="your partner", min_length=1, max_length=60)
    #: told to the organisers: a story for them only ({person}: a mention of its author, {story}: the text as
    #: previewed), a post the platform did not confirm ({platform}; {error}: its answer)
    to_organisers: str = Field(default="📖 A story from {person}, for the organisers only:\n{story}", min_length=1,
                               max_length=300)
    unclear_notice: str = Field(default="⚠️ A story for {platform} may or may not have been posted ({error}): please "
                                        "check the programme's account.", min_length=1, max_length=500)

    @model_validator(mode="after")
    def _needed_said(self) -> StoryWords:
        for name, needed in STORY_NEEDS.items():
            missing = [f"{{{p}}}" for p in needed if p not in template_fields(getattr(self, name))]
            if missing:
                raise ValueError(f"{name}: must say {', '.join(missing)}")
        return self

    def signed(self, role: str) -> str:
        """Who wrote it, by their role in the match (mentor, mentee; anything else: a member)."""
        return {"mentor": self.signed_mentor, "mentee": self.signed_mentee}.get(role, self.signed_member)
