"""programme events, their RSVPs and messages

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 04:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('programme_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('discord_event_id', sa.BigInteger(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('cohort_round_id', sa.Integer(), nullable=True),
    sa.Column('prerequisite', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('starts_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('started_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cohort_round_id'], ['cohort_round.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('programme_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_event_discord_event_id'), ['discord_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_event_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_event_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_event_status'), ['status'], unique=False)

    op.create_table('event_rsvp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('response', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('responded_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('attendance_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('feedback', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('feedback_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['programme_event.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'person_id', name='uq_event_rsvp_person')
    )
    with op.batch_alter_table('event_rsvp', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_rsvp_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_rsvp_person_id'), ['person_id'], unique=False)

    op.create_table('event_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('point', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('due_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('claimed_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['programme_event.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'person_id', 'kind', 'point', name='uq_event_message_once')
    )
    with op.batch_alter_table('event_message', schema=None) as batch_op:
        batch_op.create_index('ix_event_message_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_message_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_message_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_table('event_message')
    op.drop_table('event_rsvp')
    op.drop_table('programme_event')
