"""The photos' periodic jobs (run by the worker, see ``marketplace/jobs.py``); the media root is
that of the app or process whose database the session is bound to (``settings_of``)."""

from __future__ import annotations

import datetime
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.indexing.index import settings_of
from marketplace.jobs import periodic
from marketplace.photos.dependencies import storage_for
from marketplace.photos.drafts import DraftService

log = logging.getLogger("marketplace.worker")


@periodic("photos.drafts.expire", every=datetime.timedelta(hours=1))
async def expire_drafts(session: AsyncSession, now: datetime.datetime) -> int:
    """Drafts of photos untouched for a week go, with the files no listing uses; returns how many."""
    expired = await DraftService(session, storage=storage_for(settings_of(session))).expire(now)
    if expired:
        log.info("%s brouillon(s) de photos supprimé(s)", expired)
    return expired
