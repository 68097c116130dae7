"""The change recorder: the one call a service makes when its write changes what a reader finds.

Call it inside the transaction of the write, before the commit: the outbox row then commits (or
rolls back) with the change itself, and the indexer can never miss a change nor see one that did
not happen. A transaction writes one row per thing changed, however many times it changes it (an
edit that moves a listing and renames it, an upload of three photos): the row's operation is the
last one recorded.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.db.side_effects import transaction_state
from marketplace.indexing.models import ChangeSubject, OutboxOperation, SearchOutboxEntry

_RECORDED = "indexing.recorded"


def record_change(
    session: AsyncSession,
    subject: ChangeSubject,
    subject_id: uuid.UUID,
    operation: OutboxOperation = OutboxOperation.REFRESH,
) -> SearchOutboxEntry:
    """Record that ``subject`` changed, in the session's current transaction (one row per subject)."""
    recorded: dict[tuple[ChangeSubject, uuid.UUID], SearchOutboxEntry] = transaction_state(
        session, _RECORDED, dict
    )
    entry = recorded.get((subject, subject_id))
    if entry is None:
        entry = SearchOutboxEntry(subject=subject, subject_id=subject_id, operation=operation)
        session.add(entry)
        recorded[(subject, subject_id)] = entry
    else:
        entry.operation = operation
    return entry


def record_listing_change(session: AsyncSession, listing_id: uuid.UUID, *, findable: bool) -> None:
    """A listing changed: its document is rewritten if readers can find it, removed if not."""
    record_change(
        session,
        ChangeSubject.LISTING,
        listing_id,
        OutboxOperation.UPSERT if findable else OutboxOperation.DELETE,
    )
