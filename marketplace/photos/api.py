"""JSON API of photos: upload to a listing, list, reorder, describe, delete.

Uploads are refused with 413 while they stream in: Litestar's ``request_max_body_size`` answers
at once when ``Content-Length`` announces too much, and stops reading a body (chunked or lying)
as soon as it passes the limit.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from litestar import Controller, delete, get, patch, post, put
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import InvalidInput, NotFound
from marketplace.listings.models import Listing
from marketplace.listings.service import ListingService
from marketplace.photos.dependencies import PHOTO_DEPENDENCIES
from marketplace.photos.pipeline import MAX_UPLOAD_BYTES
from marketplace.photos.schemas import PhotoOrder, PhotoOut, PhotoPatch, PhotoUpload
from marketplace.photos.service import MAX_PHOTOS_PER_LISTING, PhotoService
from marketplace.web.i18n import gettext as _
from marketplace.web.openapi import errors
from marketplace.web.pagination import Page

MULTIPART_OVERHEAD: Final = 64 * 1024
"""Room for the boundaries, part headers, a long file name and the alt text."""
UPLOAD_BODY_LIMIT: Final = MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD


def page_of_photos(photos: list[PhotoOut]) -> Page[PhotoOut]:
    return Page(items=photos, total=len(photos), page=1, per_page=MAX_PHOTOS_PER_LISTING)


async def visible_listing_of(
    photo_id: uuid.UUID, viewer: Viewer, listings: ListingService, photos: PhotoService
) -> Listing:
    """The listing of a photo the reader may see; for any other photo, the 404 of one that does not
    exist (the same status and message), so that no answer tells a hidden photo exists."""
    missing = NotFound(_("Cette photo n'existe pas."))
    try:
        return await listings.visible(viewer, await photos.listing_id_of(photo_id))
    except NotFound:
        raise missing from None


class ListingPhotosApi(Controller):
    path = "/api/v1/listings/{listing_id:uuid}/photos"
    tags = ("photos",)
    dependencies = PHOTO_DEPENDENCIES

    @get("/", operation_id="listPhotos", responses=errors(400, 401, 404))
    async def list_photos(
        self, listing_id: uuid.UUID, viewer: Viewer, listings: ListingService, photos: PhotoService
    ) -> Page[PhotoOut]:
        """The listing's photos, cover first."""
        listing = await listings.visible(viewer, listing_id)
        return page_of_photos(
            [PhotoOut.of(photo, listing.title) for photo in await photos.for_listing(listing.id)]
        )

    @post(
        "/",
        operation_id="addPhoto",
        responses=errors(400, 401, 403, 404, 409, 413, 415, 422),
        status_code=HTTP_201_CREATED,
        request_max_body_size=UPLOAD_BODY_LIMIT,
    )
    async def add(
        self,
        listing_id: uuid.UUID,
        data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> PhotoOut:
        """Add a photo (multipart, field ``file``; JPEG, PNG, WebP, HEIC/HEIF or AVIF, 20 MB and
        50 megapixels at most) at the end of the gallery; 10 photos per listing. Author only."""
        upload = data.file
        if upload is None:
            raise InvalidInput("file", _("Joignez la photo dans le champ « file »."))
        try:
            listing = await listings.visible(viewer, listing_id)
            await photos.require_author(listing, viewer)
            photo = await photos.add(listing, viewer, await upload.read(), alt_text=data.alt_text)
        finally:
            await upload.close()
        return PhotoOut.of(photo, listing.title)

    @put(
        "/order",
        operation_id="reorderPhotos",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def reorder(
        self,
        listing_id: uuid.UUID,
        data: PhotoOrder,
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> Page[PhotoOut]:
        """Put the photos in this order (every id once, the first is the cover). Author only."""
        listing = await listings.visible(viewer, listing_id)
        ordered = await photos.reorder(listing, viewer, data.ids)
        return page_of_photos([PhotoOut.of(photo, listing.title) for photo in ordered])


class PhotoApi(Controller):
    path = "/api/v1/photos"
    tags = ("photos",)
    dependencies = PHOTO_DEPENDENCIES

    @patch("/{photo_id:uuid}", operation_id="editPhoto", responses=errors(400, 401, 403, 404, 409))
    async def edit(
        self,
        photo_id: uuid.UUID,
        data: PhotoPatch,
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> PhotoOut:
        """Describe the photo for screen readers (empty: the listing's title). Author only."""
        listing = await visible_listing_of(photo_id, viewer, listings, photos)
        photo = await photos.set_alt_text(listing, viewer, photo_id, data.alt_text)
        return PhotoOut.of(photo, listing.title)

    @delete(
        "/{photo_id:uuid}",
        operation_id="deletePhoto",
        responses=errors(400, 401, 403, 404),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete(
        self, photo_id: uuid.UUID, user: User, viewer: Viewer, listings: ListingService, photos: PhotoService
    ) -> None:
        """Delete a photo: its listing's author, or a moderator of the community."""
        listing = await visible_listing_of(photo_id, viewer, listings, photos)
        await photos.delete_photo(listing, viewer, photo_id)
