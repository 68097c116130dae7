"""What exchanges' handlers are given: the exchange service (publishing live events after commit),
and the listing or conversation of the path, already read through its visibility rule.

``listing`` is the listing of ``{listing_id}`` as the reader may see it (the 404 of a missing one
otherwise); ``conversation`` is the conversation of ``{conversation_id}`` if the reader is one of its
two neighbours (404 otherwise). Both ask for ``user`` first, so that a visitor who is not logged
in is asked to log in rather than told what exists.
"""

from __future__ import annotations

import uuid

from litestar.channels import ChannelsPlugin
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.exchanges.live import publisher
from marketplace.exchanges.models import Conversation
from marketplace.exchanges.service import ExchangeService
from marketplace.listings.dependencies import LISTING_DEPENDENCIES
from marketplace.listings.models import Listing
from marketplace.listings.service import ListingService


async def provide_exchanges(db_session: AsyncSession, channels: ChannelsPlugin) -> ExchangeService:
    return ExchangeService(db_session, live=publisher(channels))


async def provide_listing(
    listing_id: uuid.UUID, user: User, viewer: Viewer, listings: ListingService
) -> Listing:
    return await listings.visible(viewer, listing_id)


async def provide_conversation(
    conversation_id: uuid.UUID, user: User, viewer: Viewer, exchanges: ExchangeService
) -> Conversation:
    return await exchanges.readable(viewer, conversation_id)


EXCHANGE_DEPENDENCIES = {
    **LISTING_DEPENDENCIES,
    "exchanges": Provide(provide_exchanges),
    "listing": Provide(provide_listing),
    "conversation": Provide(provide_conversation),
}
