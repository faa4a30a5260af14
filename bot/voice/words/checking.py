"""What every table of words shares: unknown keys are refused, and each text may use only its own
placeholders (an error names the key)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.nudges.templates import check_template

STRICT = ConfigDict(extra="forbid")


def check_words(words: BaseModel, placeholders: dict[str, tuple[str, ...]]) -> None:
    """Every text of ``words`` uses only its own placeholders; an error names the key (``already: …``)."""
    for name in type(words).model_fields:
        try:
            check_template(getattr(words, name), placeholders.get(name, ()))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
