"""What photos' handlers are given: the store of the variant files, and the services (drafts too)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.listings.providers import provide_listings
from marketplace.photos.drafts import DraftService
from marketplace.photos.service import PhotoService
from marketplace.photos.storage import LocalDirectoryStorage, PhotoStorage
from marketplace.settings import Settings


@lru_cache(maxsize=8)
def _local_storage(root: Path) -> LocalDirectoryStorage:
    return LocalDirectoryStorage(root)


def storage_for(settings: Settings) -> PhotoStorage:
    """The store under ``settings.media.root`` (built once per root: it creates the directory)."""
    return _local_storage(settings.media.root)


async def provide_storage(request: Request[Any, Any, Any]) -> PhotoStorage:
    return storage_for(request.app.state.settings)


async def provide_photos(db_session: AsyncSession, storage: PhotoStorage) -> PhotoService:
    # Written out: create_service_provider passes the service only its own keywords, not a storage.
    return PhotoService(session=db_session, storage=storage)


PHOTO_DEPENDENCIES = {
    "storage": Provide(provide_storage),
    "photos": Provide(provide_photos),
    "listings": Provide(provide_listings),
}


async def provide_drafts(db_session: AsyncSession, storage: PhotoStorage) -> DraftService:
    return DraftService(db_session, storage=storage)


DRAFT_DEPENDENCIES = {**PHOTO_DEPENDENCIES, "drafts": Provide(provide_drafts)}
