"""The local X's data: users and posts, with snowflake-like ids and search selection."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import datetime

from bot.sandbox.x.model import SandboxPost, SandboxUser, snowflake_for


class XStore:
    """Users and posts; post ids are strings of snowflake-like integers that increase with creation time."""

    def __init__(self) -> None:
        self.users: dict[str, SandboxUser] = {}
        self.by_handle: dict[str, SandboxUser] = {}
        self._posts: dict[int, SandboxPost] = {}
        self._ids: list[int] = []  # ascending
        self._next_user = 0

    # users -----------------------------------------------------------------------------------------------
    def add_user(
        self,
        handle: str,
        name: str | None = None,
        *,
        user_id: str | None = None,
        created_at: datetime | None = None,
        description: str = "",
    ) -> SandboxUser:
        handle = handle.lstrip("@")
        existing = self.by_handle.get(handle.lower())
        if existing is not None:
            if name is not None:
                existing.name = name
            return existing
        if user_id is None:
            self._next_user += 1
            user_id = str(1_400_000_000_000_000_000 + self._next_user * 7_919)
        if user_id in self.users:
            raise ValueError(f"user id {user_id} already exists")
        user = SandboxUser(
            id=user_id, username=handle, name=name or handle, created_at=created_at, description=description
        )
        self.users[user_id] = user
        self.by_handle[handle.lower()] = user
        return user

    def user(self, handle_or_id: str) -> SandboxUser:
        found = self.users.get(handle_or_id) or self.by_handle.get(handle_or_id.lstrip("@").lower())
        if found is None:
            raise KeyError(f"no such user {handle_or_id!r}")
        return found

    # posts -----------------------------------------------------------------------------------------------
    def new_id(self, created_at: datetime) -> int:
        post_id = snowflake_for(created_at)
        i = bisect.bisect_left(self._ids, post_id)
        while i < len(self._ids) and self._ids[i] == post_id:
            post_id += 1
            i += 1
        return post_id

    def insert(self, post: SandboxPost) -> None:
        pid = post.int_id
        if pid in self._posts:
            raise ValueError(f"post id {pid} already exists")
        self._posts[pid] = post
        bisect.insort(self._ids, pid)

    def get(self, post_id: str | int) -> SandboxPost | None:
        try:
            return self._posts.get(int(post_id))
        except ValueError:
            return None

    def remove(self, post_id: str | int) -> SandboxPost | None:
        """Delete a post (it is gone from search and lookups); None when there was none."""
        found = self.get(post_id)
        if found is not None:
            del self._posts[found.int_id]
            self._ids.remove(found.int_id)
        return found

    def all(self) -> list[SandboxPost]:
        return [self._posts[i] for i in self._ids]

    def __len__(self) -> int:
        return len(self._ids)

    def newest_first(self, *, below: int | None, above: int | None) -> Iterator[SandboxPost]:
        """Posts with ``above < id < below``, newest first."""
        hi = len(self._ids) if below is None else bisect.bisect_left(self._ids, below)
        lo = 0 if above is None else bisect.bisect_right(self._ids, above)
        for i in range(hi - 1, lo - 1, -1):
            yield self._posts[self._ids[i]]
