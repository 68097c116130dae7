"""The alerts' periodic jobs (run by the worker, see ``marketplace/jobs.py``): matching the
changes the index has taken, the daily digests, and the sizes that move on."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.alerts.digest import Digests, send_digests
from marketplace.alerts.matching import (
    find_matches,
    forget_read,
    mark_read,
    new_pairs,
    saved_search_watchers,
    unread_changes,
    wanted_watchers,
)
from marketplace.alerts.service import AlertService
from marketplace.indexing.index import index_for
from marketplace.jobs import periodic
from search.contract import SearchIndex

log = logging.getLogger("marketplace.alerts")


@dataclass(frozen=True)
class Matched:
    changes: int = 0  # listings read from the outbox
    queries: int = 0  # index queries asked
    matches: int = 0  # new matches recorded (and told, unless they wait for a digest)


async def match_new_changes(
    session: AsyncSession, now: datetime.datetime, index: SearchIndex | None = None
) -> Matched:
    """One pass of matching (the job's work, also called by the bench with its own index)."""
    entries, changes = await unread_changes(session, now)
    if not entries:
        return Matched()
    await mark_read(session, entries)  # rolled back with the rest if the index does not answer
    watchers = [*(await saved_search_watchers(session)), *(await wanted_watchers(session))]
    found = await find_matches(session, index or index_for(session), changes, watchers)
    fresh = await new_pairs(session, found.pairs)
    recorded = await AlertService(session).record_matches(fresh, now)
    return Matched(changes=len(changes), queries=found.queries, matches=recorded)


@periodic("alerts.match", every=datetime.timedelta(seconds=2))
async def match_changes(session: AsyncSession, now: datetime.datetime) -> Matched:
    """Match the listings the index has just taken against the saved searches and wanted
    listings (a pass fails, and is retried, while the index does not answer)."""
    matched = await match_new_changes(session, now)
    if matched.matches:
        log.info(
            "alerts: %d change(s), %d query(ies), %d new match(es)",
            matched.changes,
            matched.queries,
            matched.matches,
        )
    return matched


@periodic("alerts.digest", every=datetime.timedelta(minutes=1))
async def send_daily_digests(session: AsyncSession, now: datetime.datetime) -> Digests:
    """The daily digests that are due; and the matcher forgets the rows it will never read again."""
    digests = await send_digests(session, now)
    await forget_read(session, now)
    if digests.sent:
        log.info("alerts: %d digest(s), %d match(es)", digests.sent, digests.matches)
    return digests


@periodic("alerts.sizes", every=datetime.timedelta(minutes=30))
async def grow_sizes(session: AsyncSession, now: datetime.datetime) -> int:
    """Sizes that move on with the child: one step along the scale when their period is over."""
    moved = await AlertService(session).grow_sizes(now)
    if moved:
        log.info("alerts: %d size(s) moved on", moved)
    return moved
