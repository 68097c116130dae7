"""The exchanges' periodic jobs (run by the worker, see ``marketplace/jobs.py``)."""

from __future__ import annotations

import datetime
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.exchanges.service import ExchangeService
from marketplace.jobs import periodic
from marketplace.listings.service import ListingService

log = logging.getLogger("marketplace.worker")


@periodic("exchanges.draw", every=datetime.timedelta(minutes=1))
async def run_due_draws(session: AsyncSession, now: datetime.datetime) -> int:
    """Draw the gifts whose ``draw_at`` has come; returns how many were drawn."""
    drawn = await ExchangeService(session).draw_due(ListingService(session=session), now)
    if drawn:
        log.info("%s tirage(s) au sort effectué(s)", drawn)
    return drawn
