"""Exchanges: the conversations about a listing, its reservation, the fair draw, and the thanks.

The queue of a listing is its conversations in the order the neighbours showed interest
(``interested_at``). The reservation lives on the conversation of the neighbour it is for
(``reserved_at``); a no-show is ``passed_at`` and leaves the line. The listing's own status
(available, reserved, done) stays the listing domain's, moved through ``ListingService``.
"""

from __future__ import annotations

import datetime
import enum
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db.base import Base, enum_column
from marketplace.listings.models import Listing

BODY_MAX = 2000
REASON_MAX = 1000


class Conversation(Base):
    """One neighbour's interest in one listing, and what they and the author say about it."""

    __tablename__ = "conversation"
    __table_args__ = (
        UniqueConstraint("listing_id", "interested_id", name="uq_conversation_listing_interested"),
        Index("ix_conversation_queue", "listing_id", "interested_at"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    interested_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    interested_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_message_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    author_read_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    interested_read_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    reserved_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    passed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    closed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    closed_note: Mapped[str] = mapped_column(Text, default="")

    listing: Mapped[Listing] = relationship(lazy="joined")
    interested: Mapped[User] = relationship(lazy="joined", foreign_keys=[interested_id])
    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])

    def other(self, user_id: uuid.UUID) -> User:
        return self.author if user_id == self.interested_id else self.interested


class Message(Base):
    """Plain text (at most ``BODY_MAX`` characters), shown escaped with its links made clickable."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_conversation_created", "conversation_id", "created_at"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    sender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)

    sender: Mapped[User] = relationship(lazy="joined")


class Block(Base):
    """``blocker`` no longer exchanges messages with ``blocked``, either way."""

    __tablename__ = "user_block"
    __table_args__ = (UniqueConstraint("blocker_id", "blocked_id", name="uq_user_block_pair"),)

    blocker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    blocked_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MessageReport(Base):
    """A message reported to the moderators of the listing's community."""

    __tablename__ = "message_report"
    __table_args__ = (
        UniqueConstraint("message_id", "reporter_id", name="uq_message_report_reporter"),
        Index("ix_message_report_community_status", "community_id", "status"),
    )

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    reporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.OPEN)

    message: Mapped[Message] = relationship(lazy="joined")
    reporter: Mapped[User] = relationship(lazy="joined")


class Draw(Base):
    """A fair draw among those interested before ``draw_at``: the record lets anyone recompute it.

    ``entrants`` are the user ids (strings) sorted; the winner is
    ``random.Random(seed).choice(entrants)`` (see ``exchanges/draws.py``)."""

    __tablename__ = "draw"

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), unique=True)
    draw_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    seed: Mapped[str | None] = mapped_column(String(64))
    entrants: Mapped[list[str]] = mapped_column(JSON, default=list)
    winner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    drawn_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Handover(Base):
    """The item went to ``recipient``: they may confirm it and say merci (thanks, never ratings)."""

    __tablename__ = "handover"

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    confirmed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    thanks: Mapped[str] = mapped_column(Text, default="")
