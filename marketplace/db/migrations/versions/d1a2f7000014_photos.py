"""photos: drafts of photos uploaded before the listing is published

Revision ID: d1a2f7000014
Revises: c4cc0a000013
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import advanced_alchemy.types
from alembic import op


revision = 'd1a2f7000014'
down_revision = 'c4cc0a000013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
