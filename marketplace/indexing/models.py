"""The search outbox: changes the index has still to see, written in the writer's transaction."""

from __future__ import annotations

import datetime
import enum
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db.base import Base, enum_column


class ChangeSubject(enum.StrEnum):
    """What changed: one listing, or a category, a community or an author whose listings all read
    differently."""

    LISTING = "listing"
    CATEGORY = "category"
    COMMUNITY = "community"
    AUTHOR = "author"  # a member banned, leaving or admitted: the listings they wrote (subject: user id)


class OutboxOperation(enum.StrEnum):
    UPSERT = "upsert"  # a findable listing: (re)write its document
    DELETE = "delete"  # a listing no reader finds any more: remove its document
    REFRESH = "refresh"  # a category or community: rewrite the documents of its findable listings


class SearchOutboxEntry(Base):
    """One change the search index has still to see.

    Rows are drained in id order (UUIDv7 ids grow with time); ``processed_at`` marks those done."""

    __tablename__ = "search_outbox"
    __table_args__ = (Index("ix_search_outbox_pending", "processed_at", "id"),)

    subject: Mapped[ChangeSubject] = mapped_column(enum_column(ChangeSubject))
    subject_id: Mapped[uuid.UUID] = mapped_column(index=True)
    operation: Mapped[OutboxOperation] = mapped_column(enum_column(OutboxOperation))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    processed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
