"""Taking a person who left out of the bot's own messages: their names, handles, mention and the texts of theirs
the bot quoted (notes, goals, answers) are replaced in a message's text and in every text of its embeds (title,
description, fields, footer, author), as whole words, within Discord's limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

LEFT = "(a member who left)"

#: Discord's limits on the texts of an embed (the published spec), by where the text sits
_EMBED_LIMITS = {("title",): 256, ("description",): 4096, ("footer", "text"): 2048, ("author", "name"): 256,
                 ("fields", "name"): 256, ("fields", "value"): 1024}
#: embed keys that are addresses or machine values, never shown as text: left alone
_NOT_TEXT = frozenset({"url", "icon_url", "proxy_url", "proxy_icon_url", "type", "timestamp", "color", "colour",
                       "width", "height", "inline"})


def _pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern for every name, longest first (a name goes before a part of it), each a whole word: ``Ana``
    is not found in ``Analysis``."""
    wanted = sorted({n for n in names if n}, key=len, reverse=True)
    if not wanted:
        return None
    return re.compile("|".join(_word(n) for n in wanted))


def _word(name: str) -> str:
    before = r"(?<!\w)" if re.match(r"\w", name[0]) else ""
    after = r"(?!\w)" if re.match(r"\w", name[-1]) else ""
    return f"{before}{re.escape(name)}{after}"


class Redactor:
    """Replaces every one of ``names`` with ``replacement``."""

    def __init__(self, names: Sequence[str], replacement: str = LEFT) -> None:
        self.pattern = _pattern(names)
        self.replacement = replacement

    def text(self, text: str, limit: int = 2000) -> str:
        if self.pattern is None or not text:
            return text
        out = self.pattern.sub(self.replacement, text)
        return out if len(out) <= limit else out[: limit - 1] + "…"

    def names_in(self, text: str) -> bool:
        return self.pattern is not None and bool(text) and self.pattern.search(text) is not None

    def embed(self, embed: dict[str, Any]) -> dict[str, Any]:
        """A copy of an embed (Discord's JSON form) with every shown text redacted."""
        out: dict[str, Any] = self._walk(embed, ())
        return out

    def embeds_name(self, embeds: Sequence[dict[str, Any]]) -> bool:
        return any(self.embed(e) != e for e in embeds)

    def _walk(self, value: Any, path: tuple[str, ...]) -> Any:
        if isinstance(value, dict):
            return {k: v if k in _NOT_TEXT else self._walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, path) for v in value]
        if isinstance(value, str):
            return self.text(value, _EMBED_LIMITS.get(path, 4096))
        return value
