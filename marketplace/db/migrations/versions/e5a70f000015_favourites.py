"""favourites: listings kept aside by members

Revision ID: e5a70f000015
Revises: d1a2f7000014
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import advanced_alchemy.types
from alembic import op


revision = 'e5a70f000015'
down_revision = 'd1a2f7000014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
