"""A programme's words when a command, button, menu or form cannot be done: the one answer every failure gets
(its details go to the log, never to the person)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from bot.voice.words.checking import WordTable

#: The placeholders each of the error words may use (and that the error path always fills).
ERROR_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "cooldown": ("seconds",),
    "not_understood": ("value",),
}


class ErrorWords(WordTable):
    """``[errors]``: what someone is told when what they asked cannot be done. Said in the voice of the
    programme of the server it was asked in (in DMs: the bot's one programme; with several, these defaults)."""

    placeholders: ClassVar[dict[str, tuple[str, ...]]] = ERROR_PLACEHOLDERS

    #: an organisers' command used by someone else
    organisers_only: str = Field(default="This command is for the programme's organisers.", min_length=1,
                                 max_length=300)
    #: anything unexpected (the organisers find it in the log)
    went_wrong: str = Field(default="Something went wrong on my side. The organisers can see the details in the "
                                    "log.", min_length=1, max_length=300)
    #: the same command again too soon ({seconds}: how long to wait)
    cooldown: str = Field(default="Slow down a little — try again in {seconds} s.", min_length=1, max_length=300)
    #: a command used where it does not work (a DM, a missing permission)
    not_here: str = Field(default="You can't use this command here.", min_length=1, max_length=300)
    #: an option that is not one of the choices ({value}: what was given)
    not_understood: str = Field(default="I couldn't understand {value} — please pick from the list.", min_length=1,
                                max_length=300)
