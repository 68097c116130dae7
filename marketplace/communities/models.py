"""Communities, memberships and categories."""

from __future__ import annotations

import datetime
import enum
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db.base import Base, enum_column


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"


class JoinPolicy(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"


class Role(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    BANNED = "banned"


class Community(Base):
    __tablename__ = "community"

    slug: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility), default=Visibility.PUBLIC)
    join_policy: Mapped[JoinPolicy] = mapped_column(enum_column(JoinPolicy), default=JoinPolicy.OPEN)
    join_question: Mapped[str] = mapped_column(Text, default="")
    pickup_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    listing_lifetime_days: Mapped[int] = mapped_column(Integer, default=30)
    # Posting rules (0: no rule): active listings per member, and the days before the same member
    # may post a near-identical listing again (see moderation/reposts.py).
    max_active_listings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    repost_delay_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("community_id", "user_id", name="uq_membership_community_user"),)

    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("community.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.MEMBER)
    status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus), default=MembershipStatus.PENDING
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    decision_message: Mapped[str] = mapped_column(Text, default="")

    community: Mapped[Community] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])


class Category(Base):
    __tablename__ = "category"

    community_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("community.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # Keys of marketplace.communities.attributes.CATALOGUE that listings of this category carry.
    attributes: Mapped[list[str]] = mapped_column(JSON, default=list)
