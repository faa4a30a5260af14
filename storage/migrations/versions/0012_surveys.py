"""surveys: survey answers, and a survey (or its reminder) at most once per match, person and survey

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 03:55:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SURVEY_ROWS = "kind IN ('survey', 'survey_reminder')"


def upgrade() -> None:
    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('invite_id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('cohort_round_id', sa.Integer(), nullable=True),
    sa.Column('survey_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('point', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('question_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('measure', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('value_int', sa.Integer(), nullable=True),
    sa.Column('value_text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('quote_ok', sa.Boolean(), nullable=True),
    sa.Column('answered_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('invite_id', 'question_key', name='uq_survey_answer_question')
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answer_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answer_invite_id'), ['invite_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answer_match_id'), ['match_id'], unique=False)
    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.create_index('uq_nudge_survey_once', ['match_id', 'person_id', 'kind', 'step_key'], unique=True,
                              sqlite_where=sa.text(SURVEY_ROWS), postgresql_where=sa.text(SURVEY_ROWS))


def downgrade() -> None:
    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.drop_index('uq_nudge_survey_once', sqlite_where=sa.text(SURVEY_ROWS),
                            postgresql_where=sa.text(SURVEY_ROWS))
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answer_match_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answer_invite_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answer_person_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answer_programme_id'))
    op.drop_table('survey_answer')
