"""JSON API of favourites: the member's list, and keeping a listing aside or letting it go."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, put
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.favourites.dependencies import FAVOURITE_DEPENDENCIES
from marketplace.favourites.schemas import FavouriteOut
from marketplace.favourites.service import FavouriteService
from marketplace.photos.service import PhotoService
from marketplace.web.openapi import errors
from marketplace.web.pagination import DEFAULT_PER_PAGE, Page, clamp


class FavouriteApi(Controller):
    tags = ("favourites",)
    dependencies = FAVOURITE_DEPENDENCIES

    @get("/api/v1/favourites", operation_id="myFavourites", responses=errors(400, 401))
    async def mine(
        self,
        user: User,
        viewer: Viewer,
        favourites: FavouriteService,
        photos: PhotoService,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Page[FavouriteOut]:
        """The listings I keep aside, the latest first. ``state`` says what became of each:
        ``unavailable`` (and no ``listing``) when I may no longer read it."""
        page, per_page = clamp(page, per_page)
        items, total = await favourites.kept(viewer, page=page, per_page=per_page)
        by_listing = await photos.for_listings(item.listing_id for item in items if item.listing is not None)
        return Page(
            items=[FavouriteOut.of(item, by_listing.get(item.listing_id, ())) for item in items],
            total=total,
            page=page,
            per_page=per_page,
        )

    @put(
        "/api/v1/listings/{listing_id:uuid}/favourite",
        operation_id="keepListing",
        responses=errors(400, 401, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def keep(
        self, listing_id: uuid.UUID, user: User, viewer: Viewer, favourites: FavouriteService
    ) -> FavouriteOut:
        """Keep a listing aside (idempotent). 404 for a listing I may not see."""
        return FavouriteOut.of(await favourites.keep(viewer, listing_id))

    @delete(
        "/api/v1/listings/{listing_id:uuid}/favourite",
        operation_id="releaseListing",
        responses=errors(400, 401),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def release(self, listing_id: uuid.UUID, user: User, favourites: FavouriteService) -> None:
        """Let a listing go from my favourites (idempotent: 204 whether it was there or not, and
        whatever became of the listing, so that one I may no longer see can still go)."""
        await favourites.release(user.id, listing_id)
