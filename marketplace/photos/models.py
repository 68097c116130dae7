"""Photos of a listing: one row per photo, whose files exist before the row does."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
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
