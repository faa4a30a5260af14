"""A person as the Discord side sees them: the plain result services hand to cogs instead of a table row."""

from __future__ import annotations

from dataclasses import dataclass

from storage.ids import require_id
from storage.models import Person, PersonStatus


@dataclass(frozen=True)
class Member:
    """Who someone is in a programme, read once: their person number, name, Discord account (None for an
    imported person who never joined) and status."""

    person_id: int
    display_name: str
    discord_user_id: int | None
    status: PersonStatus

    @classmethod
    def of(cls, person: Person) -> Member:
        return cls(require_id(person), person.display_name, person.discord_user_id, person.status)
