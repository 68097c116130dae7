"""The indexer: drains the search outbox into the index, in id order, one index call per pass.

Idempotent by construction: a batch does not replay the operations it reads, it asks the
database what is true now. The findable listings concerned get their document written, the
others (done, removed, moved out of sight, gone) get theirs deleted. A batch handled twice (the
index answered, then the commit failed) writes the same thing twice.

A row is marked processed only once the index has taken its pass. While the index is down
the rows stay, each attempt is counted on them with its error (``marketplace search status``
shows it), and the indexer waits longer and longer before the next attempt: a change is never
lost, and the backlog drains as soon as the index answers again.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.indexing.documents import documents_for, listings_concerned
from marketplace.indexing.models import SearchOutboxEntry
from search.contract import Document, SearchIndex

log = logging.getLogger("marketplace.search")

BATCH_SIZE = 500
# At most this many batches in one pass (one transaction): a long backlog is drained over
# several passes, so that a pass never holds its rows for long.
BATCHES_PER_PASS = 20
ERROR_MAX_LENGTH = 2000
# Ids per UPDATE: well under the bound parameters SQLite and asyncpg accept in one statement.
MARKED_PER_STATEMENT = 1000


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


async def _next_batch(session: AsyncSession, size: int, after: uuid.UUID | None) -> list[Any]:
    """Pending rows as plain rows (the indexer reads thousands; it updates them in bulk)."""
    statement = (
        select(
            SearchOutboxEntry.id,
            SearchOutboxEntry.subject,
            SearchOutboxEntry.subject_id,
            SearchOutboxEntry.attempts,
            SearchOutboxEntry.updated_at,
        )
        .where(SearchOutboxEntry.processed_at.is_(None))
        .order_by(SearchOutboxEntry.id)
        .limit(size)
    )
    if after is not None:  # the rows this pass has read already are still pending
        statement = statement.where(SearchOutboxEntry.id > after)
    if session.get_bind().dialect.name == "postgresql":
        # Two workers never take the same rows; SQLite has one writer at a time anyway.
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.execute(statement)).all())


@dataclass
class _Pass:
    """The rows one pass read and what the database says of their listings now."""

    entries: list[Any] = field(default_factory=list)
    documents: dict[str, Document] = field(default_factory=dict)
    concerned: set[str] = field(default_factory=set)

    @property
    def gone(self) -> list[str]:
        return sorted(self.concerned - self.documents.keys())


async def _read_pass(
    session: AsyncSession, now: datetime.datetime, batch_size: int, max_batches: int, retry: RetryDelay
) -> _Pass | None:
    """Read up to ``max_batches`` batches of rows and build their documents; None while the first
    pending row waits for its retry delay."""
    read = _Pass()
    after: uuid.UUID | None = None
    for _batch in range(max_batches):
        entries = await _next_batch(session, batch_size, after)
        if not entries:
            break
        first = entries[0]
        if not read.entries and first.attempts and first.updated_at + retry.after(first.attempts) > now:
            return None
        concerned = await listings_concerned(session, entries)
        read.concerned.update(str(listing_id) for listing_id in concerned)
        for document in await documents_for(session, concerned):
            read.documents[str(document["id"])] = document
        read.entries.extend(entries)
        after = entries[-1].id
        if len(entries) < batch_size:
            break
    return read


async def _mark(
    session: AsyncSession, entries: Sequence[Any], now: datetime.datetime, *, last_error: str, processed: bool
) -> None:
    """Count the attempt on ``entries`` (processed, or kept with its error), in bulk."""
    values: dict[str, Any] = {
        "attempts": SearchOutboxEntry.attempts + 1,
        "last_error": last_error,
        "updated_at": now,
    }
    if processed:
        values["processed_at"] = now
    ids = [entry.id for entry in entries]
    for start in range(0, len(ids), MARKED_PER_STATEMENT):
        await session.execute(
            update(SearchOutboxEntry)
            .where(SearchOutboxEntry.id.in_(ids[start : start + MARKED_PER_STATEMENT]))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


async def drain(
    session: AsyncSession,
    index: SearchIndex,
    now: datetime.datetime,
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int = BATCHES_PER_PASS,
    retry: RetryDelay | None = None,
) -> Drained:
    """Hand the pending outbox rows to ``index``, in the caller's transaction.

    The database is read batch after batch (``batch_size`` rows at a time), and the index gets
    one ``upsert`` and one ``delete`` for the whole pass: Meilisearch indexes one large task much
    faster than many small ones, each of which pays for the index it grows."""
    retry = retry or RetryDelay()
    report = Drained()
    read = await _read_pass(session, now, batch_size, max_batches, retry)
    if read is None:
        report.waiting = True
        return report
    if not read.entries:
        return report
    gone = read.gone
    try:
        if read.documents:
            await index.upsert(list(read.documents.values()))
        if gone:
            await index.delete(gone)
    except Exception as error:  # down, timeout, or refused: keep the rows, count the attempt
        message = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
        await _mark(session, read.entries, now, last_error=message, processed=False)
        report.failed = True
        report.errors.append(message)
        log.warning(
            "search index did not take %d change(s) (attempt %d): %s",
            len(read.entries),
            read.entries[0].attempts + 1,
            message,
        )
        return report
    await _mark(session, read.entries, now, last_error="", processed=True)
    report.rows = len(read.entries)
    report.upserted = len(read.documents)
    report.deleted = len(gone)
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
