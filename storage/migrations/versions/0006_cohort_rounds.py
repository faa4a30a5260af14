"""cohort rounds, prerequisites done, and the round of each match

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 01:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cohort_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=True),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('prerequisites', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cohort_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_round_programme_id'), ['programme_id'], unique=False)
    op.create_table('prerequisite_done',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('marked_by', sa.BigInteger(), nullable=True),
    sa.Column('done_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'person_id', 'key', name='uq_prerequisite_done')
    )
    with op.batch_alter_table('prerequisite_done', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prerequisite_done_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prerequisite_done_programme_id'), ['programme_id'], unique=False)
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cohort_round_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_match_cohort_round_id', 'cohort_round', ['cohort_round_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_constraint('fk_match_cohort_round_id', type_='foreignkey')
        batch_op.drop_column('cohort_round_id')
    with op.batch_alter_table('prerequisite_done', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prerequisite_done_programme_id'))
        batch_op.drop_index(batch_op.f('ix_prerequisite_done_person_id'))
    op.drop_table('prerequisite_done')
    with op.batch_alter_table('cohort_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_round_programme_id'))
    op.drop_table('cohort_round')
