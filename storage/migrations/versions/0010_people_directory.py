"""people directory: indexes for the organisers' dashboard people table (sort + page by name, joined, status)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 04:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    'ix_person_directory_name': ['programme_id', 'display_name', 'id'],
    'ix_person_directory_joined': ['programme_id', 'created_at', 'id'],
    'ix_person_directory_status': ['programme_id', 'status', 'id'],
}


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
