"""The subset of X's search query language the local X understands.

Supported: ``#tag`` (case-insensitive, whole hashtag), ``@handle`` (mentions), ``from:handle``,
``to:handle``, ``is:retweet`` / ``is:reply`` / ``is:quote`` with ``-`` negation, bare words and
``"quoted phrases"`` (case-insensitive, whole words), implicit AND, ``OR``, and parentheses. As on X, AND
binds tighter than OR (``#a #b OR #c`` is ``(#a AND #b) OR #c``) and a query made only of negations is
rejected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.x.model import SandboxPost

_TOKEN_RE = re.compile(r'\s*(?:(\()|(\))|(-?"[^"]*")|([^\s()]+))')


class QueryError(ValueError):
    """The query is not valid X search syntax (X answers 400)."""


Matcher = Callable[[SandboxPost], bool]


@dataclass(frozen=True)
class Query:
    text: str
    match: Matcher


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None or m.end() == pos:
            raise QueryError(f"cannot parse query near {text[pos:pos + 20]!r}")
        out.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _word_re(words: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words.split()) + r"(?!\w)", re.I)


def _atom(token: str) -> Matcher:
    low = token.lower()
    if low.startswith(("#", "＃")) and len(low) > 1:
        tag = low[1:]
        return lambda p: any(t.lower() == tag for t in p.hashtags)
    if low.startswith("@") and len(low) > 1:
        handle = low[1:]
        return lambda p: any(m.lower() == handle for m in p.mentions)
    if low.startswith("from:"):
        handle = low[5:].lstrip("@")
        return lambda p: p.author.username.lower() == handle
    if low.startswith("to:"):
        handle = low[3:].lstrip("@")
        return lambda p: p.is_reply and any(m.lower() == handle for m in p.mentions[:1])
    if low == "is:retweet":
        return lambda p: p.is_retweet
    if low == "is:reply":
        return lambda p: p.is_reply
    if low == "is:quote":
        return lambda p: p.is_quote
    if low.startswith("is:"):
        raise QueryError(f"unsupported operator {token!r}")
    if token.startswith('"'):
        phrase = token.strip('"')
        if not phrase.strip():
            raise QueryError("empty phrase")
        pattern = _word_re(phrase)
    else:
        pattern = _word_re(token)
    return lambda p: pattern.search(p.text) is not None


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expr(self) -> tuple[Matcher, bool]:
        """OR of AND-groups; returns the matcher and whether it has a positive term."""
        groups = [self.and_group()]
        while self.peek() == "OR":
            self.take()
            groups.append(self.and_group())
        if len(groups) == 1:
            return groups[0]
        matchers = [m for m, _ in groups]
        return (lambda p: any(m(p) for m in matchers)), all(pos for _, pos in groups)

    def and_group(self) -> tuple[Matcher, bool]:
        terms: list[tuple[Matcher, bool]] = []
        while (token := self.peek()) is not None and token not in (")", "OR"):
            terms.append(self.term())
        if not terms:
            raise QueryError("empty group in query")
        if not any(pos for _, pos in terms):
            raise QueryError("a query needs at least one positive term, not only negations")
        matchers = [m for m, _ in terms]
        if len(matchers) == 1:
            return matchers[0], True
        return (lambda p: all(m(p) for m in matchers)), True

    def term(self) -> tuple[Matcher, bool]:
        token = self.take()
        negated = False
        if token == "-":
            if self.peek() != "(":
                raise QueryError("dangling '-'")
            negated, token = True, self.take()
        elif token.startswith("-") and len(token) > 1:
            negated, token = True, token[1:]
        if token == "(":
            inner, positive = self.expr()
            if self.peek() != ")":
                raise QueryError("unbalanced parentheses")
            self.take()
        elif token == ")":
            raise QueryError("unbalanced parentheses")
        else:
            inner, positive = _atom(token), True
        if negated:
            return (lambda p: not inner(p)), False
        return inner, positive


def parse_query(text: str) -> Query:
    """Parse ``text``; raises :class:`QueryError` for what X would answer with 400."""
    if not text or not text.strip():
        raise QueryError("query is empty")
    if len(text) > 512:
        raise QueryError("query is longer than 512 characters")
    parser = _Parser(_tokens(text))
    matcher, _ = parser.expr()
    if parser.peek() is not None:
        raise QueryError("unbalanced parentheses")
    return Query(text=text, match=matcher)
