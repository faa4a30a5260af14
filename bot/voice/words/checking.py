"""What every table of words shares: unknown keys are refused, and each text may use only its own
placeholders (an error names the key)."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator

from bot.nudges.templates import check_template, render_template

STRICT = ConfigDict(extra="forbid")


def check_words(words: BaseModel, placeholders: dict[str, tuple[str, ...]]) -> None:
    """Every text of ``words`` uses only its own placeholders; an error names the key (``already: …``)."""
    for name in type(words).model_fields:
        try:
            check_template(getattr(words, name), placeholders.get(name, ()))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None


class WordTable(BaseModel):
    """A table of one feature's words: unknown keys are refused, each text may use only its own placeholders
    (checked as the config loads), and :meth:`say` fills them in."""

    model_config = STRICT
    #: the placeholders each text may use (and that its sender always fills), by key
    placeholders: ClassVar[dict[str, tuple[str, ...]]] = {}

    @model_validator(mode="after")
    def _placeholders_known(self) -> Self:
        check_words(self, self.placeholders)
        return self

    def say(self, name: str, /, **values: object) -> str:
        return render_template(getattr(self, name), values, allowed=self.placeholders.get(name, ()))
