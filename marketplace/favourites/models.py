"""A listing a member keeps aside ("Garder de côté"): theirs alone, nobody else sees it."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db.base import Base


class Favourite(Base):
    __tablename__ = "favourite"
    __table_args__ = (
        UniqueConstraint("user_id", "listing_id", name="uq_favourite_user_listing"),
        Index("ix_favourite_user", "user_id", "created_at"),
    )

    # The account row outlives its erasure (privacy/service.py empties it): the deletion removes
    # the favourites through FavouriteService.forget; the cascades are for a row really deleted.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
