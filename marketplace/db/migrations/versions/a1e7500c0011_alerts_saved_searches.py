"""alerts: saved searches and what they matched

Revision ID: a1e7500c0011
Revises: 354fab299c6a
Create Date: 2026-12-04 02:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
import advanced_alchemy.types
from alembic import op


revision = 'a1e7500c0011'
down_revision = '354fab299c6a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_matched_change',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('outbox_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('processed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_matched_change')),
    sa.UniqueConstraint('outbox_id', name='uq_alert_matched_change_outbox')
    )
    with op.batch_alter_table('alert_matched_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_matched_change_processed_at'), ['processed_at'], unique=False)

    op.create_table('saved_search',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('user_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('frequency', sa.Enum('instant', 'daily', 'off', name='frequency', native_enum=False, length=32), nullable=False),
    sa.Column('digest_hour', sa.Integer(), nullable=False),
    sa.Column('next_digest_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('size_step_months', sa.Integer(), nullable=True),
    sa.Column('next_size_step_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_saved_search_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_search'))
    )
    with op.batch_alter_table('saved_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_search_next_digest_at'), ['next_digest_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_search_next_size_step_at'), ['next_size_step_at'], unique=False)
        batch_op.create_index('ix_saved_search_user', ['user_id', 'created_at'], unique=False)

    op.create_table('alert_match',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('user_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('saved_search_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('wanted_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('listing_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('notified_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('(saved_search_id IS NULL) <> (wanted_id IS NULL)', name=op.f('ck_alert_match_one_watcher')),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_alert_match_listing_id_listing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_search_id'], ['saved_search.id'], name=op.f('fk_alert_match_saved_search_id_saved_search'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_alert_match_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['wanted_id'], ['listing.id'], name=op.f('fk_alert_match_wanted_id_listing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_match')),
    sa.UniqueConstraint('saved_search_id', 'listing_id', name='uq_alert_match_search_listing'),
    sa.UniqueConstraint('wanted_id', 'listing_id', name='uq_alert_match_wanted_listing')
    )
    with op.batch_alter_table('alert_match', schema=None) as batch_op:
        batch_op.create_index('ix_alert_match_digest', ['saved_search_id', 'notified_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_match_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index('ix_alert_match_user', ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_match_wanted_id'), ['wanted_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('alert_match', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_match_wanted_id'))
        batch_op.drop_index('ix_alert_match_user')
        batch_op.drop_index(batch_op.f('ix_alert_match_listing_id'))
        batch_op.drop_index('ix_alert_match_digest')

    op.drop_table('alert_match')
    with op.batch_alter_table('saved_search', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_search_user')
        batch_op.drop_index(batch_op.f('ix_saved_search_next_size_step_at'))
        batch_op.drop_index(batch_op.f('ix_saved_search_next_digest_at'))

    op.drop_table('saved_search')
    with op.batch_alter_table('alert_matched_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_matched_change_processed_at'))

    op.drop_table('alert_matched_change')
