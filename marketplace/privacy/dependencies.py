"""What the privacy handlers are given: the service, on the request's session and photo storage."""

from __future__ import annotations

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.favourites.service import FavouriteService
from marketplace.photos.dependencies import provide_storage
from marketplace.photos.storage import PhotoStorage
from marketplace.privacy.service import PrivacyService


async def provide_privacy(db_session: AsyncSession, storage: PhotoStorage) -> PrivacyService:
    # Favourites' share of an account: deleted and exported with it (privacy/service.py).
    return PrivacyService(db_session, storage, shares=[FavouriteService(db_session)])


PRIVACY_DEPENDENCIES = {"storage": Provide(provide_storage), "privacy": Provide(provide_privacy)}
