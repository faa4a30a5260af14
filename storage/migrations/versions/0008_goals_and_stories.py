"""goals and stories

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 03:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('progress', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('progress_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('progress_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.ForeignKeyConstraint(['progress_by'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('match_id', 'position', name='uq_goal_match_position')
    )
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_match_id'), ['match_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goal_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goal_programme_id'), ['programme_id'], unique=False)

    op.create_table('story',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('match_ref', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('destination', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('with_handle', sa.Boolean(), nullable=False),
    sa.Column('posted_text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('post_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('post_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('offered_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('posted_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'person_id', 'match_ref', name='uq_story_person_match')
    )
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_match_id'), ['match_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_story_status'))
        batch_op.drop_index(batch_op.f('ix_story_programme_id'))
        batch_op.drop_index(batch_op.f('ix_story_person_id'))
        batch_op.drop_index(batch_op.f('ix_story_match_id'))

    op.drop_table('story')
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_programme_id'))
        batch_op.drop_index(batch_op.f('ix_goal_person_id'))
        batch_op.drop_index(batch_op.f('ix_goal_match_id'))

    op.drop_table('goal')
