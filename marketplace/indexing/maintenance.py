"""The operator's view of the index: rebuild it from the database, and say how it is doing
(``marketplace search reindex`` and ``marketplace search status``).

A rebuild reads every findable listing into a new index and swaps it in at once
(``SearchIndex.rebuild``): searches keep answering from the old index until then. Changes keep
arriving meanwhile, and a worker may hand some of them to the old index, which the swap then
throws away. So the rows the indexer processed since the rebuild began are opened again and
drained into the new index (the indexer is idempotent: a change applied twice is applied once).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.indexing.documents import all_documents, findable_count
from marketplace.indexing.indexer import Backlog, Drained, backlog, drain
from marketplace.indexing.models import SearchOutboxEntry
from search.contract import Health, ProgressCallback, SearchIndex, SearchUnavailable

# Clocks of the processes (worker, command) may differ a little: reopening a few more rows
# than needed costs a rewrite of their documents, missing one would leave a stale document.
CLOCK_MARGIN = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class Rebuilt:
    documents: int  # documents in the new index
    replayed: Drained  # the changes handed to the new index after the swap


async def reindex(
    session: AsyncSession,
    index: SearchIndex,
    now: datetime.datetime,
    progress: ProgressCallback | None = None,
) -> Rebuilt:
    """Rebuild ``index`` from the findable listings of the database, swap it in, then hand the
    new index the changes still pending and those processed since ``now`` (the moment the
    rebuild began), whatever their retry delay."""
    written = await index.rebuild(all_documents(session), progress)
    # The index answered: the pending rows need not wait for their retry delay any more.
    await session.execute(
        update(SearchOutboxEntry)
        .where(
            or_(
                SearchOutboxEntry.processed_at.is_(None),
                SearchOutboxEntry.processed_at >= now - CLOCK_MARGIN,
            )
        )
        .values(processed_at=None, attempts=0, last_error="")
    )
    replayed = Drained()
    while True:
        drained = await drain(session, index, datetime.datetime.now(datetime.UTC))
        replayed.rows += drained.rows
        replayed.upserted += drained.upserted
        replayed.deleted += drained.deleted
        replayed.errors += drained.errors
        replayed.failed = drained.failed
        if drained.failed or drained.waiting or not drained.rows:
            return Rebuilt(documents=written, replayed=replayed)


async def documents_to_index(session: AsyncSession) -> int:
    """How many listings a rebuild will write (for its progress bar)."""
    return await findable_count(session)


@dataclass(frozen=True)
class IndexStatus:
    health: Health
    findable: int  # listings the database says readers may find
    backlog: Backlog

    @property
    def in_step(self) -> bool:
        """The index answers, holds one document per findable listing, and nothing waits."""
        return self.health.available and self.health.documents == self.findable and self.backlog.pending == 0


async def index_status(session: AsyncSession, index: SearchIndex) -> IndexStatus:
    """Whether the index answers and how many documents it holds, against the database."""
    try:
        health = await index.health()
    except SearchUnavailable as error:
        health = Health(available=False, detail=str(error))
    return IndexStatus(health=health, findable=await findable_count(session), backlog=await backlog(session))
