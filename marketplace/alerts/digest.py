"""The daily digest: at the hour its member chose, one notice (and so one e-mail, when the
member takes alerts by e-mail) telling the day's matches of their daily searches; nothing on a
day without any.

A member's daily searches due at the same time are told together. A search is due once its
``next_digest_at`` has passed; its next one is the same hour the next day, whether or not
anything was sent, so that a day without a match sends nothing and a late worker sends one
digest, not several.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.alerts.models import AlertMatch, Frequency, SavedSearch
from marketplace.alerts.service import next_digest_time
from marketplace.listings.models import Listing
from marketplace.notifications.models import NotificationKind
from marketplace.notifications.record import notify

# Matches listed in one digest (the notice links to the alerts page, which has them all).
DIGEST_ITEMS = 20
IDS_PER_UPDATE = 1000


@dataclass(frozen=True)
class Digests:
    sent: int = 0  # members told
    matches: int = 0  # matches told
    quiet: int = 0  # searches due with nothing new


async def send_digests(session: AsyncSession, now: datetime.datetime) -> Digests:
    """Tell each member whose daily searches are due the matches waiting for them."""
    due = list(
        await session.scalars(
            select(SavedSearch)
            .where(
                SavedSearch.frequency == Frequency.DAILY,
                SavedSearch.next_digest_at.is_not(None),
                SavedSearch.next_digest_at <= now,
            )
            .order_by(SavedSearch.user_id, SavedSearch.created_at)
        )
    )
    if not due:
        return Digests()
    by_search = {saved.id: saved for saved in due}
    waiting: list[Any] = []
    searches = list(by_search)
    for start in range(0, len(searches), IDS_PER_UPDATE):  # bound parameters per statement
        rows = await session.execute(
            select(
                AlertMatch.id,
                AlertMatch.user_id,
                AlertMatch.saved_search_id,
                AlertMatch.listing_id,
                Listing.title,
            )
            .join(Listing, Listing.id == AlertMatch.listing_id)
            .where(
                AlertMatch.saved_search_id.in_(searches[start : start + IDS_PER_UPDATE]),
                AlertMatch.notified_at.is_(None),
            )
            .order_by(AlertMatch.created_at, AlertMatch.id)
        )
        waiting.extend(rows.all())
    per_member: dict[uuid.UUID, list[Any]] = {}
    for row in waiting:
        per_member.setdefault(row.user_id, []).append(row)
    for user_id, matches in per_member.items():
        items = [
            {
                "listing_id": str(row.listing_id),
                "listing_title": row.title,
                "search_name": by_search[row.saved_search_id].name,
            }
            for row in matches[:DIGEST_ITEMS]
        ]
        await notify(
            session,
            recipient_id=user_id,
            kind=NotificationKind.ALERTS,
            event="alerts.digest",
            listing_id=matches[0].listing_id if len(matches) == 1 else None,
            data={"count": len(matches), "items": items},
            now=now,
        )
    # Told: exactly the matches read above (one recorded meanwhile waits for the next digest).
    ids = [row.id for row in waiting]
    for start in range(0, len(ids), IDS_PER_UPDATE):
        await session.execute(
            update(AlertMatch)
            .where(AlertMatch.id.in_(ids[start : start + IDS_PER_UPDATE]))
            .values(notified_at=now)
            .execution_options(synchronize_session=False)
        )
    for saved in due:
        saved.next_digest_at = next_digest_time(saved.digest_hour, now)
    await session.flush()
    told_searches = {row.saved_search_id for row in waiting}
    return Digests(sent=len(per_member), matches=len(waiting), quiet=len(due) - len(told_searches))
