"""Authors are told three days before a listing expires, once per lifetime, with a one-click relist."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.listings.models import Listing, ListingStatus
from marketplace.notifications.models import Notification, NotificationKind
from marketplace.notifications.record import notify

NOTICE_BEFORE = datetime.timedelta(days=3)
EVENT = "listing.expiring"


async def tell_expiring(session: AsyncSession, now: datetime.datetime) -> int:
    """Tell the author of each available listing expiring within three days (not told yet in its
    current lifetime); returns how many were told."""
    due = (
        await session.execute(
            select(Listing.id, Listing.author_id, Listing.title, Listing.expires_at)
            .where(
                Listing.status == ListingStatus.AVAILABLE,
                Listing.expires_at > now,
                Listing.expires_at <= now + NOTICE_BEFORE,
            )
            .order_by(Listing.expires_at)
            .limit(500)
        )
    ).all()
    # Told already in this lifetime: a notice since shortly before the window opened (a relisted
    # listing expires later, so a notice of its former lifetime does not count).
    told_at: dict[uuid.UUID, list[datetime.datetime]] = {}
    if due:
        earlier = await session.execute(
            select(Notification.listing_id, Notification.created_at).where(
                Notification.event == EVENT, Notification.listing_id.in_([row[0] for row in due])
            )
        )
        for told_id, created_at in earlier.all():
            if told_id is not None:
                told_at.setdefault(told_id, []).append(created_at)
    told = 0
    for listing_id, author_id, title, expires_at in due:
        assert expires_at is not None  # selected on it
        window = expires_at - NOTICE_BEFORE - datetime.timedelta(days=1)
        if any(moment >= window for moment in told_at.get(listing_id, [])):
            continue
        await notify(
            session,
            recipient_id=author_id,
            kind=NotificationKind.MODERATION,
            event=EVENT,
            listing_id=listing_id,
            data={"listing_title": title, "expires_at": expires_at.isoformat() if expires_at else ""},
            now=now,
        )
        told += 1
    return told
