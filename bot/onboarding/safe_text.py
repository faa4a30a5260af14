"""Make user text safe to store and to echo back into Discord.

* :func:`clean_input` — what we store: Unicode NFC, control and bidi-override characters removed (emoji
  joiners, ZWNJ and tag characters kept), whitespace tidied. Names in any script survive unchanged.
* :func:`safe_text` — what we echo: cleaned, truncated on a character-cluster boundary with "…", markdown
  escaped, and every ``@`` neutralised (``@everyone``, ``@here``, ``<@123>``, ``<@&123>`` cannot ping).
  Escaping can double the length, so pick ``max_length`` ≤ half the Discord field limit.
  Front ends should still send with ``allowed_mentions=none`` — this is the second lock on the door.
"""

from __future__ import annotations

import re
import unicodedata

ZWSP = "\u200b"
_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()<])")
_REMOVE = {0x200B, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x00AD}
_REMOVE |= set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def _keep(ch: str) -> bool:
    if ch in "\n\t":
        return True
    if ord(ch) in _REMOVE:
        return False
    cat = unicodedata.category(ch)
    return cat not in ("Cc", "Cs", "Co", "Cn") or ch == "\n"


def clean_input(text: str, *, one_line: bool = True) -> str:
    """Normalise text a person typed before it is validated and stored."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(ch for ch in text if _keep(ch)).replace("\t", " ")
    if one_line:
        return re.sub(r"\s+", " ", text).strip()
    lines = [re.sub(r"[ \u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _extends(ch: str) -> bool:
    """True for characters that attach to the previous one (so a cut must not fall before them)."""
    cp = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or ch == "\u200d"
        or 0xFE00 <= cp <= 0xFE0F
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
    )


def truncate(text: str, max_length: int, ellipsis: str = "…") -> str:
    """At most ``max_length`` characters; never splits an emoji sequence, a flag or a combining mark."""
    if max_length <= 0:
        return ""
    if len(text) <= max_length:
        return text
    cut = max(0, max_length - len(ellipsis))
    while cut > 0 and (_extends(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    # regional-indicator flags come in pairs: don't keep half a flag
    run = 0
    while cut - run - 1 >= 0 and 0x1F1E6 <= ord(text[cut - run - 1]) <= 0x1F1FF:
        run += 1
    if run % 2 == 1:
        cut -= 1
    return text[:cut].rstrip() + ellipsis


def escape_markdown(text: str) -> str:
    """Backslash-escape Discord markdown (bold, italics, code, spoilers, quotes, headings, lists, links)."""
    return _MARKDOWN.sub(r"\\\1", text)


def neutralise_mentions(text: str) -> str:
    """Put a zero-width space after every ``@`` so nothing pings (``@everyone``, ``<@id>``, ``<@&role>``)."""
    return text.replace("@", "@" + ZWSP)


def safe_text(text: object, max_length: int = 200, *, one_line: bool = True) -> str:
    """User text made safe to echo: cleaned, truncated, markdown escaped, mentions neutralised."""
    cleaned = clean_input(str(text) if text is not None else "", one_line=one_line)
    return neutralise_mentions(escape_markdown(truncate(cleaned, max_length)))


# Discord's limits on text the bot builds (characters, as Discord counts them after our escaping)
SELECT_OPTION_DESCRIPTION = 100
SELECT_OPTION_LABEL = 100
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
MESSAGE_CONTENT = 2000


def fit_text(text: object, limit: int, *, one_line: bool = True) -> str:
    """User text made safe to echo (:func:`safe_text`) *and* at most ``limit`` characters once escaped: the
    cut is made before escaping (never inside an escape or an emoji), with "…", so a value that escaping
    doubles still fits a Discord field (``fit_text(school, SELECT_OPTION_DESCRIPTION)``)."""
    cleaned = clean_input(str(text) if text is not None else "", one_line=one_line)
    keep = min(len(cleaned), limit)
    while True:
        shown = neutralise_mentions(escape_markdown(truncate(cleaned, keep)))
        if len(shown) <= limit or keep <= 0:
            return shown if len(shown) <= limit else ""
        keep -= max(1, (len(shown) - limit) // 2)


def fit_lines(lines: list[str], limit: int, *, more: str = "…") -> str:
    """Already-safe lines joined by newlines, whole lines only, at most ``limit`` characters ("…" last when
    some were left out)."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        room = limit - used - (1 if out else 0)
        tail = len(more) + 1 if i < len(lines) - 1 else 0
        if len(line) + tail > room:
            if len(more) + (1 if out else 0) <= limit - used:
                out.append(more)
            break
        out.append(line)
        used += len(line) + (1 if len(out) > 1 else 0)
    return "\n".join(out)
