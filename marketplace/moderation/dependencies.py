"""What moderation's handlers are given: the moderation service, and the others it works with."""

from __future__ import annotations

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.communities.dependencies import provide_content_community
from marketplace.listings.dependencies import LISTING_DEPENDENCIES
from marketplace.moderation.service import ModerationService


async def provide_moderation(db_session: AsyncSession) -> ModerationService:
    return ModerationService(db_session)


MODERATION_DEPENDENCIES = {
    **LISTING_DEPENDENCIES,
    "moderation": Provide(provide_moderation),
    # The queue and the log belong to the community's content: an unknown slug answers as a
    # hidden community does (``content_missing``).
    "community": Provide(provide_content_community),
}
