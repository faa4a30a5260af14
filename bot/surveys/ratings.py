"""What counts as a high rating (pure): used to offer people who rated their match highly to share a story."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: A rating at or above this share of its scale counts as high (4 or 5 on a 1–5 scale).
HIGH_SHARE = 0.75


@dataclass(frozen=True)
class Rating:
    value: int
    low: int
    high: int

    @property
    def share(self) -> float:
        """Where the value sits on its scale: 0.0 (lowest) to 1.0 (highest)."""
        return (self.value - self.low) / (self.high - self.low)


def are_high(ratings: Iterable[Rating]) -> bool:
    """True when there are ratings and their average sits in the top quarter of the scale (4+ of 5)."""
    found = list(ratings)
    if not found:
        return False
    return sum(r.share for r in found) / len(found) >= HIGH_SHARE
