"""Claim codes: the short code in the bot's reply on X (``EDU-7K2Q``) that a person gives the bot on
Discord to link their X post/handle to their Discord member.

* Alphabet without look-alikes: no 0/O, 1/I/L, and no U (fewer accidental words) — 30 symbols.
* A prefix from the programme (``#EduMentoring`` → ``EDU``) so codes of different programmes differ.
* Drawn from ``secrets.SystemRandom`` by default, or a seeded ``random.Random`` for the sandbox.
* Normalised on input: case, spaces, dashes, underscores, dots and a leading ``#`` do not matter.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable, Container

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 4
_SEPARATORS = re.compile(r"[\s\-_.·–—]+")
_PREFIX_RE = re.compile(r"[A-Z][A-Z0-9]{0,5}")


def programme_prefix(name: str, length: int = 3) -> str:
    """``"#EduMentoring"`` → ``"EDU"``; ``"RunTogether"`` → ``"RUN"``. Letters only, upper case."""
    letters = re.sub(r"[^A-Za-z]", "", name).upper()
    if not letters:
        raise ValueError(f"cannot make a code prefix from {name!r}")
    return letters[:length]


class ClaimCodes:
    """Codes of one programme: ``PREFIX-XXXX``."""

    def __init__(self, prefix: str, *, length: int = BODY_LENGTH, rng: random.Random | None = None) -> None:
        prefix = prefix.strip().upper()
        if not _PREFIX_RE.fullmatch(prefix):
            raise ValueError(f"a code prefix is 1-6 letters/digits starting with a letter, not {prefix!r}")
        if length < 3:
            raise ValueError("codes need at least 3 symbols")
        self.prefix = prefix
        self.length = length
        self._rng: random.Random = rng if rng is not None else secrets.SystemRandom()

    @classmethod
    def for_programme(cls, name: str, *, rng: random.Random | None = None) -> ClaimCodes:
        return cls(programme_prefix(name), rng=rng)

    @property
    def space(self) -> int:
        """How many different codes there are."""
        return int(len(ALPHABET) ** self.length)

    def new(self, taken: Container[str] | Callable[[str], bool] = (), *, attempts: int = 100) -> str:
        """A fresh code not in ``taken`` (a set of codes, or a predicate "is this code taken?")."""
        is_taken: Callable[[str], bool] = taken if callable(taken) else taken.__contains__
        for _ in range(attempts):
            code = f"{self.prefix}-" + "".join(self._rng.choice(ALPHABET) for _ in range(self.length))
            if not is_taken(code):
                return code
        raise RuntimeError(f"no free claim code after {attempts} attempts: the code space is nearly full")

    def normalise(self, text: str) -> str | None:
        """``" edu 7k2q"`` → ``"EDU-7K2Q"``; also accepts the body alone (``"7k2q"``). None when it cannot be
        one of this programme's codes."""
        code = normalise_code(text, length=self.length)
        if code is None:
            squashed = _squash(text)
            if len(squashed) == self.length and all(c in ALPHABET for c in squashed):
                return f"{self.prefix}-{squashed}"
            return None
        return code if code.startswith(self.prefix + "-") else None

    def find(self, text: str) -> str | None:
        """The first of this programme's codes written anywhere in ``text`` ("my code is edu 7k2q!")."""
        pattern = re.compile(
            re.escape(self.prefix) + r"([\s\-_.]*)((?:[" + ALPHABET + r"][\s\-_.]?){" + str(self.length) + r"})(?![A-Z0-9])",
            re.IGNORECASE,
        )
        for m in pattern.finditer(text.upper()):
            if not m.group(1) and not any(c.isdigit() for c in m.group(2)):
                continue  # a word such as "Library" (LIB + RARY) is no code: inside text a code is written apart
            code = self.normalise(self.prefix + m.group(2))
            if code is not None:
                return code
        return None


def _squash(text: str) -> str:
    return _SEPARATORS.sub("", text.strip().lstrip("#＃")).upper()


def normalise_code(text: str, *, length: int = BODY_LENGTH) -> str | None:
    """``"edu-7k2q"``, ``"EDU 7K2Q"``, ``"#edu7k2q"`` → ``"EDU-7K2Q"``: the last ``length`` symbols are the body
    (must be from :data:`ALPHABET`), what comes before is the prefix. None when it is not a valid code."""
    squashed = _squash(text)
    if len(squashed) <= length:
        return None
    prefix, body = squashed[:-length], squashed[-length:]
    if not _PREFIX_RE.fullmatch(prefix) or any(c not in ALPHABET for c in body):
        return None
    return f"{prefix}-{body}"
