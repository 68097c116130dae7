"""The background worker: periodic jobs that no request triggers.

In embedded mode the same loop runs inside the app process; in production it is the separate
``marketplace worker`` process of docker-compose.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio

from marketplace.operations import transaction
from marketplace.settings import Settings

log = logging.getLogger("marketplace.worker")
INTERVAL_SECONDS = 60


async def run_once(settings: Settings) -> int:
    """Expire the listings whose lifetime is over; returns how many were expired."""
    from marketplace.listings.service import ListingService

    async with transaction(settings) as session:
        expired = await ListingService(session=session).expire_due(datetime.datetime.now(datetime.UTC))
    if expired:
        log.info("%s annonce(s) expirée(s)", expired)
    return expired


async def run_worker(settings: Settings, once: bool = False) -> None:
    while True:
        try:
            await run_once(settings)
        except Exception:  # a failed pass is retried at the next one; the worker keeps going
            log.exception("worker pass failed")
        if once:
            return
        await anyio.sleep(INTERVAL_SECONDS)


@asynccontextmanager
async def embedded_worker(app: Any) -> AsyncIterator[None]:
    """Lifespan of the embedded mode: the worker loop runs beside the requests."""
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(run_worker, app.state.settings)
        yield
        tasks.cancel_scope.cancel()
