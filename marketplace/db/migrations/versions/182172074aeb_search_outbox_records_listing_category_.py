"""search outbox records listing, category and community changes

Rows written before this revision are all about listings: they keep their id as ``subject_id``.

Revision ID: 182172074aeb
Revises: 949380f487dd
Create Date: 2026-12-02 11:42:58.517103
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '182172074aeb'
down_revision = '949380f487dd'
branch_labels = None
depends_on = None

SUBJECT = sa.Enum('listing', 'category', 'community', name='changesubject', native_enum=False, length=32)


def upgrade() -> None:
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_outbox_listing_id'))
        batch_op.alter_column('listing_id', new_column_name='subject_id')
        batch_op.add_column(sa.Column('subject', SUBJECT, nullable=True))
    op.execute("UPDATE search_outbox SET subject = 'listing'")
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.alter_column('subject', existing_type=SUBJECT, nullable=False)
        batch_op.create_index(batch_op.f('ix_search_outbox_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index('ix_search_outbox_pending', ['processed_at', 'id'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM search_outbox WHERE subject <> 'listing' OR operation = 'refresh'")
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_search_outbox_pending')
        batch_op.drop_index(batch_op.f('ix_search_outbox_subject_id'))
        batch_op.drop_column('subject')
        batch_op.alter_column('subject_id', new_column_name='listing_id')
        batch_op.create_index(batch_op.f('ix_search_outbox_listing_id'), ['listing_id'], unique=False)
