"""What the privacy handlers are given: the service, on the request's session and photo storage."""

from __future__ import annotations

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.favourites.service import FavouriteService
from marketplace.photos.dependencies import provide_storage
from marketplace.photos.drafts import DraftService
from marketplace.photos.storage import PhotoStorage
from marketplace.privacy.service import AccountShare, PrivacyService


async def provide_privacy(db_session: AsyncSession, storage: PhotoStorage) -> PrivacyService:
    # The shares of an account that privacy/service.py does not import: deleted and exported with it.
    shares: list[AccountShare] = [FavouriteService(db_session), DraftService(db_session, storage=storage)]
    return PrivacyService(db_session, storage, shares=shares)


PRIVACY_DEPENDENCIES = {"storage": Provide(provide_storage), "privacy": Provide(provide_privacy)}
