"""The audit log of a community: who did what, when and why, append-only.

Part of the foundation (as ``notifications.models`` is): communities, an earlier domain than
moderation, writes its membership decisions here without importing the moderation domain.
Every reference is a plain foreign key, so that this module imports no domain model.
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from marketplace.db.base import Base, enum_column


class AuditAction(enum.StrEnum):
    MEMBER_APPROVED = "member.approved"
    MEMBER_REJECTED = "member.rejected"
    MEMBER_BANNED = "member.banned"
    MEMBER_ROLE = "member.role"
    SETTINGS_CHANGED = "settings.changed"
    LISTING_REMOVED = "listing.removed"
    AUTHOR_WARNED = "author.warned"
    REPORT_DISMISSED = "report.dismissed"


class AuditEntry(Base):
    """One line of a community's audit log. Never updated nor deleted (see the listeners below)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_community_created", "community_id", "created_at"),)

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    subject_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    listing_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("listing.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    # What else the line needs to be read alone: the new role, the settings changed, the report.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AppendOnly(Exception):
    """An audit line was about to be changed or deleted: the log only grows."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper: Mapper[AuditEntry], connection: Any, target: AuditEntry) -> None:
    raise AppendOnly("audit lines are never changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper: Mapper[AuditEntry], connection: Any, target: AuditEntry) -> None:
    raise AppendOnly("audit lines are never deleted")
