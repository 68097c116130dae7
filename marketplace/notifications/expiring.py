"""Authors are told three days before a listing expires, once per lifetime, with a one-click relist."""

from __future__ import annotations

import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.listings.models import Listing, ListingStatus
from marketplace.notifications.models import Notification, NotificationKind
from marketplace.notifications.record import notify

NOTICE_BEFORE = datetime.timedelta(days=3)
EVENT = "listing.expiring"


async def tell_expiring(session: AsyncSession, now: datetime.datetime) -> int:
    """Tell the author of each available listing expiring within three days (not told yet in its
    current lifetime); returns how many were told."""
    already_told = exists().where(
        and_(
            Notification.listing_id == Listing.id,
            Notification.event == EVENT,
            # A relisted listing has a later expiry: a notice before its new lifetime does not count.
            Notification.created_at >= Listing.expires_at - NOTICE_BEFORE - datetime.timedelta(days=1),
        )
    )
    due = await session.execute(
        select(Listing.id, Listing.author_id, Listing.title, Listing.expires_at)
        .where(
            Listing.status == ListingStatus.AVAILABLE,
            Listing.expires_at > now,
            Listing.expires_at <= now + NOTICE_BEFORE,
            ~already_told,
        )
        .order_by(Listing.expires_at)
        .limit(500)
    )
    told = 0
    for listing_id, author_id, title, expires_at in due.all():
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
