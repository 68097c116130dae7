"""The indexer's periodic jobs (run by the worker, see ``marketplace/jobs.py``): in the app process
in embedded mode, in ``marketplace worker`` in production."""

from __future__ import annotations

import datetime
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.indexing.index import index_for
from marketplace.indexing.indexer import Drained, drain, prune
from marketplace.jobs import periodic

log = logging.getLogger("marketplace.search")

# Processed rows are kept a while for ``marketplace search status`` and for inquiries.
KEEP_PROCESSED = datetime.timedelta(days=7)


@periodic("indexing.drain", every=datetime.timedelta(seconds=1))
async def drain_search_outbox(session: AsyncSession, now: datetime.datetime) -> Drained:
    """Hand the pending changes to the search index (a pass does nothing while the index is down
    and its retry delay runs)."""
    drained = await drain(session, index_for(session), now)
    if drained.rows:
        log.info(
            "search index: %d change(s), %d document(s) written, %d removed",
            drained.rows,
            drained.upserted,
            drained.deleted,
        )
    return drained


@periodic("indexing.prune", every=datetime.timedelta(hours=1))
async def prune_search_outbox(session: AsyncSession, now: datetime.datetime) -> int:
    """Forget the outbox rows processed long ago."""
    return await prune(session, now, KEEP_PROCESSED)
