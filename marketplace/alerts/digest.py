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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.alerts.models import AlertMatch, Frequency, SavedSearch
from marketplace.alerts.service import next_digest_time
from marketplace.listings.models import Listing
from marketplace.notifications.models import NotificationKind
from marketplace.notifications.record import notify

# Matches listed in one digest (the notice links to the alerts page, which has them all).
DIGEST_ITEMS = 20


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
    waiting = list(
        (
            await session.execute(
                select(AlertMatch, Listing.title)
                .join(Listing, Listing.id == AlertMatch.listing_id)
                .where(AlertMatch.saved_search_id.in_(list(by_search)), AlertMatch.notified_at.is_(None))
                .order_by(AlertMatch.created_at, AlertMatch.id)
            )
        ).all()
    )
    per_member: dict[uuid.UUID, list[tuple[AlertMatch, str]]] = {}
    for match, title in waiting:
        per_member.setdefault(match.user_id, []).append((match, title))
    sent = told = 0
    for user_id, matches in per_member.items():
        items = [
            {
                "listing_id": str(match.listing_id),
                "listing_title": title,
                "search_name": by_search[match.saved_search_id].name if match.saved_search_id else "",
            }
            for match, title in matches[:DIGEST_ITEMS]
        ]
        await notify(
            session,
            recipient_id=user_id,
            kind=NotificationKind.ALERTS,
            event="alerts.digest",
            listing_id=matches[0][0].listing_id if len(matches) == 1 else None,
            data={"count": len(matches), "items": items},
            now=now,
        )
        for match, _title in matches:
            match.notified_at = now
        sent += 1
        told += len(matches)
    for saved in due:
        saved.next_digest_at = next_digest_time(saved.digest_hour, now)
    await session.flush()
    return Digests(sent=sent, matches=told, quiet=len(due) - len({m.saved_search_id for m, _ in waiting}))
