"""What the favourites' handlers are given: their service, and photos for the cards."""

from __future__ import annotations

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.favourites.service import FavouriteService
from marketplace.photos.dependencies import provide_photos, provide_storage


async def provide_favourites(db_session: AsyncSession) -> FavouriteService:
    return FavouriteService(db_session)


FAVOURITE_DEPENDENCIES = {
    "favourites": Provide(provide_favourites),
    "storage": Provide(provide_storage),
    "photos": Provide(provide_photos),
}
