"""The indexer: drains the search outbox into the index, in batches, in id order.

Idempotent by construction: a batch does not replay the operations it reads, it asks the
database what is true now. The findable listings concerned get their document written, the
others (done, removed, moved out of sight, gone) get theirs deleted. A batch handled twice (the
index answered, then the commit failed) writes the same thing twice.

A row is marked processed only once the index has taken its batch. While the index is down
the rows stay, each attempt is counted on them with its error (``marketplace search status``
shows it), and the indexer waits longer and longer before the next attempt: a change is never
lost, and the backlog drains as soon as the index answers again.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.indexing.documents import documents_for, listings_concerned
from marketplace.indexing.models import SearchOutboxEntry
from search.contract import SearchIndex

log = logging.getLogger("marketplace.search")

BATCH_SIZE = 500
# At most this many batches in one pass (one transaction): a long backlog is drained over
# several passes, so that a pass never holds its rows for long.
BATCHES_PER_PASS = 20
ERROR_MAX_LENGTH = 2000


@dataclass(frozen=True)
class RetryDelay:
    """How long the indexer waits after a failed attempt: doubling from ``first`` up to ``maximum``."""

    first: datetime.timedelta = datetime.timedelta(seconds=2)
    maximum: datetime.timedelta = datetime.timedelta(minutes=1)

    def after(self, attempts: int) -> datetime.timedelta:
        return min(self.first * 2 ** max(attempts - 1, 0), self.maximum)


@dataclass
class Drained:
    """What one pass did."""

    rows: int = 0  # outbox rows marked processed
    upserted: int = 0
    deleted: int = 0
    failed: bool = False  # the index refused or did not answer: rows kept for later
    waiting: bool = False  # a previous failure is still within its retry delay
    errors: list[str] = field(default_factory=list)


async def _next_batch(session: AsyncSession, size: int) -> list[SearchOutboxEntry]:
    statement = (
        select(SearchOutboxEntry)
        .where(SearchOutboxEntry.processed_at.is_(None))
        .order_by(SearchOutboxEntry.id)
        .limit(size)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two workers never take the same rows; SQLite has one writer at a time anyway.
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.scalars(statement)).all())


async def drain(
    session: AsyncSession,
    index: SearchIndex,
    now: datetime.datetime,
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int = BATCHES_PER_PASS,
    retry: RetryDelay | None = None,
) -> Drained:
    """Hand the pending outbox rows to ``index``, batch after batch, in the caller's transaction."""
    retry = retry or RetryDelay()
    report = Drained()
    for _batch in range(max_batches):
        entries = await _next_batch(session, batch_size)
        if not entries:
            break
        first = entries[0]
        if first.attempts and first.updated_at + retry.after(first.attempts) > now:
            report.waiting = True
            break
        concerned = await listings_concerned(session, entries)
        documents = await documents_for(session, concerned)
        found = {document["id"] for document in documents}
        gone = sorted(str(listing_id) for listing_id in concerned if str(listing_id) not in found)
        try:
            if documents:
                await index.upsert(documents)
            if gone:
                await index.delete(gone)
        except Exception as error:  # down, timeout, or refused: keep the rows, count the attempt
            message = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
            for entry in entries:
                entry.attempts += 1
                entry.last_error = message
                entry.updated_at = now
            await session.flush()
            report.failed = True
            report.errors.append(message)
            log.warning(
                "search index did not take %d change(s) (attempt %d): %s",
                len(entries),
                first.attempts,
                message,
            )
            break
        for entry in entries:
            entry.processed_at = now
            entry.attempts += 1
            entry.last_error = ""
        await session.flush()
        report.rows += len(entries)
        report.upserted += len(documents)
        report.deleted += len(gone)
        if len(entries) < batch_size:
            break
    return report


async def prune(session: AsyncSession, now: datetime.datetime, keep: datetime.timedelta) -> int:
    """Forget the rows processed more than ``keep`` ago (the table would only grow)."""
    result = await session.execute(
        delete(SearchOutboxEntry).where(SearchOutboxEntry.processed_at < now - keep)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Backlog:
    pending: int
    failing: int  # pending rows that failed at least once
    last_error: str
    last_attempt: datetime.datetime | None
    oldest_pending: datetime.datetime | None


async def backlog(session: AsyncSession) -> Backlog:
    """What the indexer has still to do, and the last error it met (``marketplace search status``)."""
    pending = SearchOutboxEntry.processed_at.is_(None)
    count, oldest = (
        await session.execute(select(func.count(), func.min(SearchOutboxEntry.created_at)).where(pending))
    ).one()
    failing = await session.scalar(
        select(func.count()).where(pending, SearchOutboxEntry.attempts > 0).select_from(SearchOutboxEntry)
    )
    last = (
        await session.execute(
            select(SearchOutboxEntry.last_error, SearchOutboxEntry.updated_at)
            .where(SearchOutboxEntry.last_error != "")
            .order_by(SearchOutboxEntry.updated_at.desc())
            .limit(1)
        )
    ).first()
    return Backlog(
        pending=int(count or 0),
        failing=int(failing or 0),
        last_error=last[0] if last else "",
        last_attempt=last[1] if last else None,
        oldest_pending=oldest,
    )
