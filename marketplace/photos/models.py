"""Photos of a listing: one row per photo, whose files exist before the row does; and the photos
of a posting form not yet published (a draft of its author's only)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db.base import Base


class Photo(Base):
    __tablename__ = "photo"

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    byte_size: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    placeholder_color: Mapped[str] = mapped_column(String(7), default="#cccccc")
    alt_text: Mapped[str] = mapped_column(String(200), default="")
    # {"thumb": {"key": "ab/cd/….webp", "width": 320, "height": 240}, "medium": …, "large": …}
    variants: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PhotoDraft(Base):
    """The photos of one posting form, kept before the listing exists (``photos/drafts.py``).

    Not a listing in status draft: it exists before any field of the form is valid (a listing
    needs a category and a title), nobody but its author ever sees it, and it goes away on its
    own when abandoned, where a saved draft listing stays until its author decides."""

    __tablename__ = "photo_draft"

    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # What a share from the phone brought along: {"title": …, "description": …}.
    prefill: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    touched_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class DraftPhoto(Base):
    """One file chosen for a draft: processed and stored (``refusal`` empty), or refused and why."""

    __tablename__ = "draft_photo"

    draft_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photo_draft.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(255), default="")
    refusal: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    byte_size: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    placeholder_color: Mapped[str] = mapped_column(String(7), default="#cccccc")
    variants: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def refused(self) -> bool:
        return bool(self.refusal)
