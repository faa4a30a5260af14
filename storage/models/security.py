"""Proof that a member controls a social account, and the persistent wrong-guess counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import snowflake_field, ts_field


class IdentityProof(SQLModel, table=True):
    """A private code the bot gave one Discord member for one lead. The lead is linked to that member only
    when the code is posted *from the lead's account* (the poller sees it), so holding someone's public
    post or the bot's public reply gives nobody their handle."""

    __tablename__ = "identity_proof"
    __table_args__ = (
        UniqueConstraint("programme_id", "code", name="uq_identity_proof_code"),
        UniqueConstraint("lead_id", "discord_user_id", name="uq_identity_proof_lead_member"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    discord_user_id: int = snowflake_field(nullable=False, index=True)
    display_name: str = Field(default="", max_length=200)
    code: str = Field(max_length=32)
    created_at: datetime = ts_field(default_now=True)
    expires_at: datetime = ts_field(default_now=True)
    proven_at: datetime | None = ts_field()


class GuessCounter(SQLModel, table=True):
    """Wrong guesses of something code-like by one member in one programme, within a window. Incremented
    only by a guarded ``UPDATE … WHERE failures < limit``, so concurrent guesses never exceed the limit and
    a restart forgets nothing."""

    __tablename__ = "guess_counter"
    __table_args__ = (
        UniqueConstraint("programme_id", "discord_user_id", "kind", name="uq_guess_counter_member_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    discord_user_id: int = snowflake_field(nullable=False)
    kind: str = Field(max_length=20)
    failures: int = Field(default=0)
    window_start: datetime = ts_field(default_now=True)
