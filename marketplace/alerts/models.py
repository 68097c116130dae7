"""Saved searches and what they matched.

A match is one (watcher, listing) pair, written once: the unique constraints are what makes
"never twice for the same listing" hold, whatever the worker retries. A watcher is a saved
search, or a wanted listing (which watches for its author while it is available).
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db.base import Base, enum_column


class Frequency(enum.StrEnum):
    INSTANT = "instant"  # a notice for each new match
    DAILY = "daily"  # one digest a day, at the member's hour, only when something matched
    OFF = "off"  # paused: nothing is matched


class SavedSearch(Base):
    """A member's search kept as an alert: ``criteria`` holds ``q`` and the filters of
    ``/api/v1/search`` (community slugs, category ids, kinds, prices, sizes, ...)."""

    __tablename__ = "saved_search"
    __table_args__ = (Index("ix_saved_search_user", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120), default="")
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency), default=Frequency.INSTANT)
    # Hour of the day (Paris time) of the daily digest, and when the next one is due.
    digest_hour: Mapped[int] = mapped_column(Integer, default=18)
    next_digest_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), index=True)
    # A size that moves along the scale by itself: every ``size_step_months`` months.
    size_step_months: Mapped[int | None] = mapped_column(Integer, default=None)
    next_size_step_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), index=True
    )


class AlertMatch(Base):
    """A listing found for a watcher (a saved search or a wanted listing), told to ``user_id``."""

    __tablename__ = "alert_match"
    __table_args__ = (
        UniqueConstraint("saved_search_id", "listing_id", name="uq_alert_match_search_listing"),
        UniqueConstraint("wanted_id", "listing_id", name="uq_alert_match_wanted_listing"),
        CheckConstraint("(saved_search_id IS NULL) <> (wanted_id IS NULL)", name="one_watcher"),
        Index("ix_alert_match_user", "user_id", "created_at"),
        Index("ix_alert_match_digest", "saved_search_id", "notified_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    saved_search_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("saved_search.id", ondelete="CASCADE"), default=None
    )
    wanted_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), default=None, index=True
    )
    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    # When the member was told (at once, or in a digest); None while a digest is to come.
    notified_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class MatchedChange(Base):
    """A search-outbox row the matcher has read (the matcher's cursor).

    The outbox rows are marked processed by the indexer in passes whose commits may land out of
    order (two workers on PostgreSQL), so a time watermark could step over a row committed late:
    the matcher instead reads the rows processed within a look-back window that it has not
    read yet, and remembers them here (pruned after the window)."""

    __tablename__ = "alert_matched_change"
    __table_args__ = (UniqueConstraint("outbox_id", name="uq_alert_matched_change_outbox"),)

    outbox_id: Mapped[uuid.UUID] = mapped_column()
    processed_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
