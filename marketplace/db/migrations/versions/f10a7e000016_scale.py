"""scale: indexes for the home page (newest first), a group's pages from the index alone, an author's listings by status

Revision ID: f10a7e000016
Revises: e5a70f000015
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import advanced_alchemy.types
from alembic import op


revision = 'f10a7e000016'
down_revision = 'e5a70f000015'
branch_labels = None
depends_on = None


# Listings on offer (browse and search), as the queries say it (marketplace/listings/models.py).
ON_OFFER = sa.text("status IN ('available', 'reserved')")


def upgrade() -> None:
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.create_index('ix_listing_newest', ['published_at', 'id'], unique=False, sqlite_where=ON_OFFER, postgresql_where=ON_OFFER)
        batch_op.create_index('ix_listing_on_offer', ['community_id', 'published_at', 'id'], unique=False, sqlite_where=ON_OFFER, postgresql_where=ON_OFFER)
        batch_op.drop_index('ix_listing_browse')
        batch_op.create_index('ix_listing_browse', ['community_id', 'status', 'published_at', 'id'], unique=False)
        batch_op.drop_index('ix_listing_author_id')
        batch_op.create_index('ix_listing_author_status', ['author_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_index('ix_listing_author_status')
        batch_op.create_index('ix_listing_author_id', ['author_id'], unique=False)
        batch_op.drop_index('ix_listing_browse')
        batch_op.create_index('ix_listing_browse', ['community_id', 'status', 'published_at'], unique=False)
        batch_op.drop_index('ix_listing_on_offer')
        batch_op.drop_index('ix_listing_newest')
