"""What exchanges' handlers are given: the exchange service, publishing live events after commit."""

from __future__ import annotations

from litestar.channels import ChannelsPlugin
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.exchanges.live import publisher
from marketplace.exchanges.service import ExchangeService
from marketplace.listings.dependencies import LISTING_DEPENDENCIES


async def provide_exchanges(db_session: AsyncSession, channels: ChannelsPlugin) -> ExchangeService:
    return ExchangeService(db_session, live=publisher(channels))


EXCHANGE_DEPENDENCIES = {**LISTING_DEPENDENCIES, "exchanges": Provide(provide_exchanges)}
