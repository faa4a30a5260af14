"""reply claims: one reply per post across programmes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 01:55:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reply_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('post_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('claimed_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'post_id', name='uq_reply_claim_platform_post')
    )
    with op.batch_alter_table('reply_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_claim_programme_id'), ['programme_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reply_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_claim_programme_id'))
    op.drop_table('reply_claim')
