"""The interviews this process last read or wrote, as stored: the next answer is applied to the remembered state
and written with the usual guarded update (``WHERE step = <remembered step>``), with no read before it.

Memory is never trusted over the database: every stored state change moves the conversation's step counter,
so a remembered state is the stored one exactly when its step still matches. When another process (or a
restart's predecessor) moved the conversation, the guarded update changes nothing and the caller reads the row,
as it would have without this memory. Bounded: the least recently used interviews are forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

#: interviews remembered at most (a burst of a thousand people answering fits many times over; each is a small
#: dict of answers)
CAPACITY = 20_000


@dataclass(frozen=True, slots=True)
class Known:
    """One conversation as stored at ``step``: its state is the JSON written (validated again when used, as a
    read row would be)."""

    person_id: int
    session_id: int
    step: int
    state: dict[str, Any]


class RecentInterviews:
    """Conversations by (programme id, Discord user id), the most recently used kept."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._known: OrderedDict[tuple[int, int], Known] = OrderedDict()

    def get(self, programme_id: int, discord_user_id: int) -> Known | None:
        key = (programme_id, discord_user_id)
        found = self._known.get(key)
        if found is not None:
            self._known.move_to_end(key)
        return found

    def remember(self, programme_id: int, discord_user_id: int, known: Known) -> None:
        key = (programme_id, discord_user_id)
        self._known[key] = known
        self._known.move_to_end(key)
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)

    def forget(self, programme_id: int, discord_user_id: int) -> None:
        self._known.pop((programme_id, discord_user_id), None)

    def __len__(self) -> int:
        return len(self._known)
