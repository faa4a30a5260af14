"""erasure work: the rewrite and the public post deletions an erasure leaves, queued in its own transaction

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 10:15:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('erasure_work',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('tables', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('after_xid', sa.BigInteger(), nullable=True),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('post_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('due_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('claimed_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('erasure_work', schema=None) as batch_op:
        batch_op.create_index('ix_erasure_work_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_work_programme_id'), ['programme_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('erasure_work', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_work_programme_id'))
        batch_op.drop_index('ix_erasure_work_status_due')
    op.drop_table('erasure_work')
