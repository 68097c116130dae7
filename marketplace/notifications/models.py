"""What a member is told: in-app notices, their choice per kind, and the e-mail outbox.

A notice is written in the transaction of the change that causes it (``record.notify``); when the
member's choice for its kind is e-mail, an outbox row is written with it, and the worker sends it
later (``scheduled.py``). Several notices may share one outbox row: the messages of one
conversation are grouped into one e-mail every 15 minutes at most.

This module is part of the foundation (as the search outbox is): earlier domains record notices
without importing the notifications domain.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db.base import Base, enum_column


class NotificationKind(enum.StrEnum):
    """What a member chooses a delivery for."""

    MESSAGES = "messages"
    RESERVATIONS = "reservations"  # reservations, hand-overs and draws
    MEMBERSHIP = "membership"  # decisions on one's membership of a community
    MODERATION = "moderation"  # a listing removed by a moderator, a listing about to expire
    ALERTS = "alerts"  # saved searches (a later issue)


class Delivery(enum.StrEnum):
    EMAIL = "email"  # in the list, and by e-mail
    IN_APP = "in_app"  # in the list only
    OFF = "off"  # not at all


# What a member who never chose gets: e-mail for what needs an answer or changes their plans.
DEFAULT_DELIVERY: dict[NotificationKind, Delivery] = {
    NotificationKind.MESSAGES: Delivery.EMAIL,
    NotificationKind.RESERVATIONS: Delivery.EMAIL,
    NotificationKind.MEMBERSHIP: Delivery.EMAIL,
    NotificationKind.MODERATION: Delivery.EMAIL,
    NotificationKind.ALERTS: Delivery.IN_APP,
}


class EmailStatus(enum.StrEnum):
    PENDING = "pending"  # due at ``next_attempt_at``
    SENDING = "sending"  # claimed by a worker (``claimed_at``, ``claim_token``)
    SENT = "sent"
    FAILED = "failed"  # given up after too many attempts (kept, with its last error)
    CANCELLED = "cancelled"  # not sent: the member unsubscribed, or left, before it went out


class EmailOutboxEntry(Base):
    """One e-mail to send: to whom, for which kind, and which notices it tells (``Notification.email_id``).

    ``group_key`` names what its notices share (a conversation): a later notice of the same group
    joins a pending e-mail instead of making another."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        Index("ix_email_outbox_due", "status", "next_attempt_at"),
        Index("ix_email_outbox_group", "recipient_id", "group_key"),
    )

    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    group_key: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[EmailStatus] = mapped_column(enum_column(EmailStatus), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    claim_token: Mapped[uuid.UUID | None] = mapped_column(default=None)
    sent_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Notification(Base):
    """One notice in a member's list; ``read_at`` once seen."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_recipient", "recipient_id", "read_at", "id"),)

    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    event: Mapped[str] = mapped_column(String(64))
    listing_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), default=None, index=True
    )
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    read_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    email_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("email_outbox.id", ondelete="SET NULL"), default=None, index=True
    )


class NotificationPreference(Base):
    """A member's choice for one kind; no row means ``DEFAULT_DELIVERY``."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preference_user_kind"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery))
