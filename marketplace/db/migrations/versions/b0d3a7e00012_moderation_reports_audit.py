"""moderation: reports, audit log, community posting rules

Revision ID: b0d3a7e00012
Revises: a1e7500c0011
Create Date: 2026-12-04 02:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
import advanced_alchemy.types
from alembic import op


revision = 'b0d3a7e00012'
down_revision = 'a1e7500c0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('listing_report',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('listing_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('reporter_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('community_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('reason', sa.Enum('spam', 'duplicate', 'prohibited', 'misleading', 'abusive', 'other', name='reportreason', native_enum=False, length=32), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='reportstatus', native_enum=False, length=32), nullable=False),
    sa.Column('resolution', sa.Enum('remove', 'warn', 'ban', 'dismiss', name='moderationaction', native_enum=False, length=32), nullable=True),
    sa.Column('resolution_reason', sa.Text(), nullable=False),
    sa.Column('resolved_by_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('resolved_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_listing_report_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_listing_report_listing_id_listing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_listing_report_reporter_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_listing_report_resolved_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_report')),
    sa.UniqueConstraint('listing_id', 'reporter_id', name='uq_listing_report_reporter')
    )
    with op.batch_alter_table('listing_report', schema=None) as batch_op:
        batch_op.create_index('ix_listing_report_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_report_listing_id'), ['listing_id'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('community_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('actor_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('action', sa.Enum('member.approved', 'member.rejected', 'member.banned', 'member.role', 'settings.changed', 'listing.removed', 'author.warned', 'report.dismissed', name='auditaction', native_enum=False, length=32), nullable=False),
    sa.Column('subject_user_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('listing_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('message_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_entry_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_audit_entry_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_audit_entry_listing_id_listing'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_audit_entry_message_id_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_user_id'], ['user_account.id'], name=op.f('fk_audit_entry_subject_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_community_created', ['community_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_subject_user_id'), ['subject_user_id'], unique=False)

    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_active_listings', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('repost_delay_days', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.drop_column('repost_delay_days')
        batch_op.drop_column('max_active_listings')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_subject_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_listing_id'))
        batch_op.drop_index('ix_audit_entry_community_created')

    op.drop_table('audit_entry')
    with op.batch_alter_table('listing_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_report_listing_id'))
        batch_op.drop_index('ix_listing_report_community_status')

    op.drop_table('listing_report')

