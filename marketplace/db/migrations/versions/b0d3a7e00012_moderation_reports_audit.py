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
    pass


def downgrade() -> None:
    pass
