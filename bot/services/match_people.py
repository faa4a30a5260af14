"""What a matching run depended on (profiles become engine people in :mod:`bot.programme.profile`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any


def fingerprint(items: Iterable[tuple[Any, ...]]) -> str:
    """A stable digest of what a matching run depended on (profiles, statuses, matches, rules)."""
    digest = hashlib.sha256()
    for item in sorted(items, key=repr):
        digest.update(repr(item).encode())
    return digest.hexdigest()[:32]
