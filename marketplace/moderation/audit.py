"""The audit recorder: the one call a service makes when a moderator or an admin decides something.

Call it inside the transaction of the decision: the line commits or rolls back with it. Part of
the foundation (as ``notifications.record`` is): communities and listings record their decisions
without importing the moderation domain. Reading the log is the moderation service's.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.moderation.audit_model import AuditAction, AuditEntry

REASON_MAX = 1000


def record_audit(
    session: AsyncSession,
    *,
    community_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    action: AuditAction,
    subject_user_id: uuid.UUID | None = None,
    listing_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one line to ``community_id``'s audit log (flushed with the decision)."""
    entry = AuditEntry(
        community_id=community_id,
        actor_id=actor_id,
        action=action,
        subject_user_id=subject_user_id,
        listing_id=listing_id,
        message_id=message_id,
        reason=(reason or "")[:REASON_MAX],
        details=dict(details or {}),
    )
    session.add(entry)
    return entry
