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
    pass


def downgrade() -> None:
    pass
