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
    op.create_table('photo_draft',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('author_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('prefill', sa.JSON(), nullable=False),
    sa.Column('touched_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_photo_draft_author_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_draft'))
    )
    with op.batch_alter_table('photo_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_draft_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_draft_touched_at'), ['touched_at'], unique=False)

    op.create_table('draft_photo',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('draft_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('refusal', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('placeholder_color', sa.String(length=7), nullable=False),
    sa.Column('variants', sa.JSON(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['photo_draft.id'], name=op.f('fk_draft_photo_draft_id_photo_draft'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_photo'))
    )
    with op.batch_alter_table('draft_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_photo_draft_id'), ['draft_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('draft_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_photo_draft_id'))

    op.drop_table('draft_photo')
    with op.batch_alter_table('photo_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_draft_touched_at'))
        batch_op.drop_index(batch_op.f('ix_photo_draft_author_id'))

    op.drop_table('photo_draft')
