"""The query planner's statistics, kept fresh: without them SQLite cannot tell a selective index
from one that matches a quarter of the table.

With 100,000 listings, the home page's newest listings took 66 ms with SQLite's default guess
(the group-and-status index, then a sort of every listing still on offer) and 0.1 ms once
``ANALYZE`` had measured the tables (the newest-first index, read until eight are found).
SQLite has no daemon to keep them, so the worker runs ``ANALYZE`` now and then; an import,
which changes the tables most, runs it at its end on both databases (PostgreSQL's autovacuum
would get there, a minute or more later).
"""

from __future__ import annotations

import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.jobs import periodic


async def refresh_statistics(session: AsyncSession) -> None:
    """``ANALYZE``: a fraction of a second at 100,000 listings (PostgreSQL samples the tables)."""
    await session.execute(text("ANALYZE"))


@periodic("db.statistics", every=datetime.timedelta(hours=6))
async def refresh_statistics_job(session: AsyncSession, now: datetime.datetime) -> None:
    """On SQLite; PostgreSQL's autovacuum keeps its own statistics between imports."""
    if session.get_bind().dialect.name == "sqlite":
        await refresh_statistics(session)
