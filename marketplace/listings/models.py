"""Listings: what a neighbour gives, swaps, sells or looks for, and where it stands in its life cycle."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.communities.models import Category, Community
from marketplace.db.base import Base, enum_column


class ListingKind(enum.StrEnum):
    GIVE = "give"
    SWAP = "swap"
    SELL = "sell"
    WANTED = "wanted"


class ListingStatus(enum.StrEnum):
    DRAFT = "draft"
    AVAILABLE = "available"
    RESERVED = "reserved"
    DONE = "done"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    REMOVED = "removed"


# What browse and search show (status.SEARCHABLE), as the partial indexes say it; queries say it in
# the same words (listings/reads.py ``findable``), so that both databases use those indexes.
ON_OFFER_STATUSES = [ListingStatus.AVAILABLE.value, ListingStatus.RESERVED.value]
ON_OFFER = text(f"status IN ({', '.join(repr(status) for status in ON_OFFER_STATUSES)})")


class Listing(Base):
    __tablename__ = "listing"
    __table_args__ = (
        UniqueConstraint("community_id", "ref", name="uq_listing_community_ref"),
        # A group's listings on offer, newest first: with the id, a page's ids come from the index alone.
        Index("ix_listing_browse", "community_id", "status", "published_at", "id"),
        # Listings on offer, newest first: across groups (the home page, read until enough are
        # found) and in a group (its pages, a deep one walking index entries, never sorting).
        Index("ix_listing_newest", "published_at", "id", sqlite_where=ON_OFFER, postgresql_where=ON_OFFER),
        Index(
            "ix_listing_on_offer",
            "community_id",
            "published_at",
            "id",
            sqlite_where=ON_OFFER,
            postgresql_where=ON_OFFER,
        ),
        # An author's listings by status: "Mes annonces", the given count on a listing's page.
        Index("ix_listing_author_status", "author_id", "status"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("category.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[ListingKind] = mapped_column(enum_column(ListingKind))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int | None] = mapped_column(Integer)
    wanted_in_exchange: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str | None] = mapped_column(String(32))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pickup_area: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[ListingStatus] = mapped_column(enum_column(ListingStatus), default=ListingStatus.DRAFT)
    ref: Mapped[str | None] = mapped_column(String(80))
    published_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), index=True)
    status_changed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    removal_reason: Mapped[str] = mapped_column(Text, default="")
    removed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Optimistic locking: SQLAlchemy bumps it on every UPDATE and refuses a write made from a stale row.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    community: Mapped[Community] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])

    __mapper_args__ = {"version_id_col": version}
