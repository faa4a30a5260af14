"""The organisers' people table: search, filter (role, status, round), sort and page a programme's people in the
database, however many there are. No discord import."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.programmes import Programme
from storage.db import SessionFactory
from storage.queries import rounds
from storage.queries.directory import SORT_KEYS, DirectoryFilter, DirectoryRow, directory_page
from storage.queries.matching import confirmed_rounds

PER_PAGE = 50


@dataclass(frozen=True)
class DirectoryPage:
    rows: list[DirectoryRow]
    total: int
    page: int  # 0-based
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class PeopleDirectory:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def page(self, programme: Programme, filters: DirectoryFilter, *, sort: str = "name",
                   descending: bool = False, page: int = 0, per_page: int = PER_PAGE) -> DirectoryPage:
        sort = sort if sort in SORT_KEYS else "name"
        page = max(0, page)
        async with self._sessions() as session:
            rows, total = await directory_page(session=session, programme_id=programme.id, filters=filters,
                                               sort=sort, descending=descending, offset=page * per_page,
                                               limit=per_page)
            last = max(0, -(-total // per_page) - 1)
            if page > last:  # past the end (the filters shrank it): the last page
                page = last
                rows, total = await directory_page(session=session, programme_id=programme.id, filters=filters,
                                                   sort=sort, descending=descending, offset=page * per_page,
                                                   limit=per_page)
        return DirectoryPage(rows, total, page, per_page)

    async def round_choices(self, programme: Programme) -> list[tuple[str, str]]:
        """The rounds people can be filtered by: ``("c:<id>", cohort round name)`` and
        ``("m:<id>", "Matching run #id (date)")`` for confirmed runs."""
        async with self._sessions() as session:
            cohorts = await rounds.round_names(session=session, programme_id=programme.id)
            runs = await confirmed_rounds(session=session, programme_id=programme.id)
        out = [(f"c:{rid}", name) for rid, name in sorted(cohorts.items())]
        out += [(f"m:{r.id}", f"Matching run #{r.id} ({r.confirmed_at or r.created_at:%d %b %Y})") for r in runs]
        return out


def role_choices(programme: Programme) -> list[tuple[str, str]]:
    """(value, label) of the programme's ``role`` question, when it has one."""
    for q in programme.questions:
        if q.key == "role":
            return [(o.value, o.label) for o in q.options]
    return []
