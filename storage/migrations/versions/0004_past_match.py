"""past matches: anonymous facts of matches whose people left

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 00:45:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('past_match',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('started_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('recorded_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('past_match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_past_match_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_past_match_ended_at'), ['ended_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('past_match', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_past_match_ended_at'))
        batch_op.drop_index(batch_op.f('ix_past_match_programme_id'))
    op.drop_table('past_match')
