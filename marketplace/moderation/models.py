"""Reports of listings. Reports of messages are the exchanges domain's (``MessageReport``): the
moderators' queue reads both, so that a community has one queue (``moderation/queue.py``)."""

from __future__ import annotations

import datetime
import enum
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db.base import Base, enum_column
from marketplace.exchanges.models import ReportStatus
from marketplace.listings.models import Listing
from marketplace.web.i18n import N_

DETAILS_MAX = 1000


class ReportReason(enum.StrEnum):
    """The short list a member picks from (with free text beside it)."""

    SPAM = "spam"
    DUPLICATE = "duplicate"
    PROHIBITED = "prohibited"
    MISLEADING = "misleading"
    ABUSIVE = "abusive"
    OTHER = "other"


REASON_LABELS: dict[ReportReason, str] = {
    ReportReason.SPAM: N_("Publicité ou arnaque"),
    ReportReason.DUPLICATE: N_("Annonce en double ou republiée"),
    ReportReason.PROHIBITED: N_("Objet interdit ou dangereux"),
    ReportReason.MISLEADING: N_("Annonce trompeuse (photo, état, prix)"),
    ReportReason.ABUSIVE: N_("Propos insultants ou discriminatoires"),
    ReportReason.OTHER: N_("Autre raison"),
}


class ModerationAction(enum.StrEnum):
    REMOVE = "remove"
    WARN = "warn"
    BAN = "ban"
    DISMISS = "dismiss"


class ListingReport(Base):
    """A listing reported to the moderators of its community, and what they decided."""

    __tablename__ = "listing_report"
    __table_args__ = (
        UniqueConstraint("listing_id", "reporter_id", name="uq_listing_report_reporter"),
        Index("ix_listing_report_community_status", "community_id", "status"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"))
    reason: Mapped[ReportReason] = mapped_column(enum_column(ReportReason))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.OPEN)
    resolution: Mapped[ModerationAction | None] = mapped_column(enum_column(ModerationAction))
    resolution_reason: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    listing: Mapped[Listing] = relationship(lazy="joined")
    reporter: Mapped[User] = relationship(lazy="joined", foreign_keys=[reporter_id])
