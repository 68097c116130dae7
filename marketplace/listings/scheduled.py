"""The listings' periodic jobs (run by the worker, see ``marketplace/jobs.py``)."""

from __future__ import annotations

import datetime
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.jobs import periodic
from marketplace.listings.service import ListingService

log = logging.getLogger("marketplace.worker")


@periodic("listings.expire", every=datetime.timedelta(minutes=1))
async def expire_listings(session: AsyncSession, now: datetime.datetime) -> int:
    """Available listings whose lifetime is over become expired; returns how many."""
    expired = await ListingService(session=session).expire_due(now)
    if expired:
        log.info("%s annonce(s) expirée(s)", expired)
    return expired
