"""dms_closed_at: when a person's DMs were last found closed, so they are tried again a while after

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 10:55:00
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('dms_closed_at', storage.types.AwareDateTime(), nullable=True))
    # closed before this was remembered: tried again a week from now, not all at once on the first run
    person = sa.table('person', sa.column('dms_closed', sa.Boolean()),
                      sa.column('dms_closed_at', storage.types.AwareDateTime()))
    op.execute(person.update().where(person.c.dms_closed == sa.true()).values(dms_closed_at=datetime.now(UTC)))


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.drop_column('dms_closed_at')
