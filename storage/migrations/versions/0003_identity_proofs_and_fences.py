"""identity proofs, persistent guess counters, posts recorded per programme

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 00:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('identity_proof',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('discord_user_id', sa.BigInteger(), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('proven_at', storage.types.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lead_id', 'discord_user_id', name='uq_identity_proof_lead_member'),
    sa.UniqueConstraint('programme_id', 'code', name='uq_identity_proof_code')
    )
    with op.batch_alter_table('identity_proof', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_proof_discord_user_id'), ['discord_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_proof_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_proof_programme_id'), ['programme_id'], unique=False)

    op.create_table('guess_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('discord_user_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', storage.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'discord_user_id', 'kind', name='uq_guess_counter_member_kind')
    )
    with op.batch_alter_table('guess_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guess_counter_programme_id'), ['programme_id'], unique=False)

    # a post is recorded once per programme: two programmes on one hashtag each get their lead
    with op.batch_alter_table('social_post', schema=None) as batch_op:
        batch_op.drop_constraint('uq_social_post_platform_id', type_='unique')
        batch_op.create_unique_constraint('uq_social_post_programme_platform_id',
                                          ['programme_id', 'platform', 'post_id'])


def downgrade() -> None:
    with op.batch_alter_table('social_post', schema=None) as batch_op:
        batch_op.drop_constraint('uq_social_post_programme_platform_id', type_='unique')
        batch_op.create_unique_constraint('uq_social_post_platform_id', ['platform', 'post_id'])
    with op.batch_alter_table('guess_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guess_counter_programme_id'))
    op.drop_table('guess_counter')
    with op.batch_alter_table('identity_proof', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_proof_programme_id'))
        batch_op.drop_index(batch_op.f('ix_identity_proof_lead_id'))
        batch_op.drop_index(batch_op.f('ix_identity_proof_discord_user_id'))
    op.drop_table('identity_proof')
