"""A programme's words for the member commands: ``/join``, ``/leave``, ``/mydata`` and ``/profile``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from bot.voice.words.checking import WordTable

#: The placeholders each of the member commands' words may use (and that the commands always fill).
PROFILE_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "leave_confirm": ("programme",),
    "left": ("programme",),
    "left_replies_many": ("count",),
    "mydata_dm": ("programme",),
    "mydata_nothing": ("programme",),
    "not_joined": ("programme",),
    "profile_title": ("programme",),
    "status_paused_until": ("until",),
    "match_as_mentor": ("partner",),
    "match_as_mentee": ("partner",),
    "ready": ("prerequisite",),
    "ready_not_asked": ("round", "asks"),
    "ready_nothing_asked": ("round",),
}
#: a person's status, as /profile view shows it (each one a word of the table below: ``status_active``)
STATUSES = ("joined", "onboarding", "active", "paused", "left")


class ProfileWords(WordTable):
    """``[profile]``: the answers to a member's own commands (/leave, /mydata, /profile). The defaults are the
    neutral ones a programme's config may fall back to."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = PROFILE_PLACEHOLDERS

    #: /leave's question, above its two buttons ({programme}: its name)
    leave_confirm: str = Field(default="Leave **{programme}**? This deletes your profile, your answers and "
                                       "everything that names you, for good, and ends any current match (your "
                                       "partner will be told kindly). The programme keeps only anonymous facts — "
                                       "that a match existed, when it began and ended, and how — so its statistics "
                                       "don't shrink. The bot removes your name from its own messages; replies only "
                                       "an organiser could see can't be changed once sent (`/mydata` says what "
                                       "stays out of reach). You can download your data first with `/mydata`.",
                               min_length=1, max_length=1500)
    #: its buttons (Discord: 80 characters a label) and the answer to "keep"
    leave_button: str = Field(default="Yes, delete my data", min_length=1, max_length=80)
    keep_button: str = Field(default="No, keep it", min_length=1, max_length=80)
    kept: str = Field(default="Nothing was deleted. 👍", min_length=1, max_length=300)
    #: the answer once the data is deleted ({programme}: its name) …
    left: str = Field(default="Your data in **{programme}** has been deleted now; the last copies in the bot's "
                              "database files are cleaned up within a few minutes.", min_length=1, max_length=600)
    #: … then, when it ended their match / several matches …
    left_ended_one: str = Field(default="Your match has ended; your partner has been told and the organisers know.",
                                min_length=1, max_length=300)
    left_ended_many: str = Field(default="Your matches have ended; your partner has been told and the organisers "
                                         "know.", min_length=1, max_length=300)
    #: … when the bot's public replies named their handle (one / {count}) …
    left_replies_one: str = Field(default="The bot's public reply that named your handle is being deleted within "
                                          "the next few minutes; if a platform refuses, the organisers are asked to "
                                          "delete it.", min_length=1, max_length=400)
    left_replies_many: str = Field(default="The bot's {count} public replies that named your handle are being "
                                           "deleted within the next few minutes; if a platform refuses, the "
                                           "organisers are asked to delete them.", min_length=1, max_length=400)
    #: … and last
    left_thanks: str = Field(default="Thank you for taking part — you're welcome back any time with `/join`.",
                             min_length=1, max_length=300)
    #: /leave or /mydata from someone with nothing stored
    left_nothing: str = Field(default="There's nothing stored about you in this programme.", min_length=1,
                              max_length=300)
    #: /mydata: the DM with the file ({programme}), the answer when it was sent, the file shown in place
    #: because DMs are closed, nothing stored ({programme})
    mydata_dm: str = Field(default="Here is everything **{programme}** stores about you.", min_length=1,
                           max_length=300)
    mydata_sent: str = Field(default="I've sent your data to your DMs. 📬", min_length=1, max_length=300)
    mydata_here: str = Field(default="Your DMs are closed, so here it is (only you can see this):", min_length=1,
                             max_length=300)
    mydata_nothing: str = Field(default="Nothing is stored about you in {programme}.", min_length=1, max_length=300)
    #: /profile view and edit, /pause: someone who has not joined ({programme}), or not finished the interview
    not_joined: str = Field(default="You haven't joined {programme} yet — use `/join` to start.", min_length=1,
                            max_length=300)
    unfinished: str = Field(default="You haven't finished your interview yet — use `/join` to carry on.",
                            min_length=1, max_length=300)
    #: /profile view: the title ({programme}) and footer of the profile
    profile_title: str = Field(default="Your profile — {programme}", min_length=1, max_length=256)
    profile_footer: str = Field(default="Change an answer with /profile edit · download everything with /mydata",
                                min_length=1, max_length=300)
    #: /profile view: the names of the fields with the person's status and their current match (Discord: 256)
    status_field: str = Field(default="Status", min_length=1, max_length=256)
    match_field: str = Field(default="Your match", min_length=1, max_length=256)
    #: /profile edit: the question above the menu, the menu (Discord: 150 characters), and the answer to a pick
    #: (the question was sent / could not be sent)
    edit_prompt: str = Field(default="Which answer would you like to change? I'll ask it again in our "
                                     "conversation, then show you the summary to confirm.", min_length=1,
                             max_length=400)
    edit_menu: str = Field(default="Which answer?", min_length=1, max_length=150)
    change_sent: str = Field(default="I've sent you that question in our conversation (your DMs, or your private "
                                     "onboarding thread).", min_length=1, max_length=300)
    change_unreachable: str = Field(default="I couldn't reach you — please open your DMs to this server's members "
                                            "and try again.", min_length=1, max_length=300)
    #: /profile view: the person's status (joined the server / in the interview / can be matched / paused /
    #: left), and paused with the date it ends ({until})
    status_joined: str = Field(default="joined", min_length=1, max_length=200)
    status_onboarding: str = Field(default="onboarding", min_length=1, max_length=200)
    status_active: str = Field(default="active", min_length=1, max_length=200)
    status_paused: str = Field(default="paused", min_length=1, max_length=200)
    status_left: str = Field(default="left", min_length=1, max_length=200)
    status_paused_until: str = Field(default="paused until {until} (use `/resume` to come back sooner)", min_length=1,
                                     max_length=300)
    #: /profile view: each current match, as the mentor / as the mentee ({partner}: their name)
    match_as_mentor: str = Field(default="mentor with {partner}", min_length=1, max_length=200)
    match_as_mentee: str = Field(default="mentee with {partner}", min_length=1, max_length=200)
    #: /profile ready: recorded ({prerequisite}: what they typed); the round asks for other things ({round}: its
    #: name, {asks}: what it asks for) / for nothing
    ready: str = Field(default="✅ Thank you — {prerequisite} recorded. You'll be matched in the next matching run.",
                       min_length=1, max_length=300)
    ready_not_asked: str = Field(default="{round} asks for: {asks}.", min_length=1, max_length=300)
    ready_nothing_asked: str = Field(default="{round} asks for: nothing.", min_length=1, max_length=300)
    #: /resume from someone who is not paused
    not_paused: str = Field(default="You aren't paused — nothing to resume.", min_length=1, max_length=300)
    #: "Pause {weeks} more weeks" pressed by someone no longer in the programme
    nothing_to_pause: str = Field(default="There's nothing to pause here any more.", min_length=1, max_length=300)

    def status(self, status: str) -> str:
        """A person's status in the programme's words (an unknown one as it is stored)."""
        return str(getattr(self, f"status_{status}")) if status in STATUSES else status
