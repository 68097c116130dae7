"""accounts: e-mail verification, password reset and address change tokens

Revision ID: c4cc0a000013
Revises: b0d3a7e00012
Create Date: 2026-12-04 02:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
import advanced_alchemy.types
from alembic import op


revision = 'c4cc0a000013'
down_revision = 'b0d3a7e00012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
