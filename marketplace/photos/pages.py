"""The author's photo forms on the listing page: add several, move up or down, choose the
cover, describe, delete. Plain POST forms answered by a 303 back to the gallery: no JavaScript
needed. A refused file does not cost the others: each gets its own message."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Sequence
from typing import Any, Final

from litestar import Controller, Request, post
from litestar.datastructures import UploadFile
from litestar.plugins.flash import flash
from litestar.response import Redirect

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import Conflict, Forbidden, InvalidInput
from marketplace.listings.models import Listing
from marketplace.listings.service import ListingService
from marketplace.photos.api import MULTIPART_OVERHEAD, visible_listing_of
from marketplace.photos.dependencies import PHOTO_DEPENDENCIES
from marketplace.photos.pipeline import MAX_UPLOAD_BYTES
from marketplace.photos.service import MAX_PHOTOS_PER_LISTING, PhotoService, UploadReport
from marketplace.web.forms import FormData, see_other, text
from marketplace.web.i18n import gettext as _
from marketplace.web.i18n import ngettext

PHOTOS_FIELD: Final = "photos"
FORM_BODY_LIMIT: Final = MAX_PHOTOS_PER_LISTING * (MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD)
"""A form may carry ten photos at the limit; the parser spools files to disk, not memory."""


def uploaded_files(form: Any, name: str = PHOTOS_FIELD) -> list[UploadFile]:
    """The files chosen in a ``<input type=file multiple>`` (an empty input sends one nameless part)."""
    values: Sequence[Any] = form.getall(name, []) if hasattr(form, "getall") else _as_list(form.get(name))
    return [value for value in values if isinstance(value, UploadFile) and value.filename]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


async def close_all(files: Sequence[UploadFile]) -> None:
    for upload in files:
        await upload.close()


def flash_upload_report(request: Request[Any, Any, Any], report: UploadReport) -> None:
    """One message for what was added, one per refused file, one for the files beyond 10."""
    if report.added:
        flash(
            request,
            ngettext("%(num)s photo ajoutée.", "%(num)s photos ajoutées.", len(report.added)),
            category="success",
        )
    for filename, reason in report.refused:
        flash(
            request,
            _("« %(file)s » n'a pas été ajoutée : %(reason)s", file=filename, reason=reason),
            category="error",
        )
    if report.over_limit:
        flash(
            request,
            _(
                "Une annonce a au plus %(max)s photos : %(files)s n'ont pas été ajoutées.",
                max=MAX_PHOTOS_PER_LISTING,
                files=", ".join(f"« {name} »" for name in report.over_limit),
            ),
            category="error",
        )


def _back(listing: Listing) -> Redirect:
    return see_other(f"/listings/{listing.id}#photos")


class PhotoPages(Controller):
    include_in_schema = False
    dependencies = PHOTO_DEPENDENCIES

    @post("/listings/{listing_id:uuid}/photos", request_max_body_size=FORM_BODY_LIMIT)
    async def add(
        self,
        listing_id: uuid.UUID,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> Redirect:
        files = uploaded_files(await request.form())
        try:
            listing = await listings.visible(viewer, listing_id)
            if not files:
                flash(request, _("Choisissez au moins une photo."), category="error")
                return _back(listing)
            try:
                report = await photos.add_many(listing, viewer, files)
            except (Conflict, Forbidden) as error:
                flash(request, str(error.detail), category="error")
                return _back(listing)
        finally:
            await close_all(files)
        flash_upload_report(request, report)
        return _back(listing)

    async def _change(
        self,
        request: Request[Any, Any, Any],
        listing: Listing,
        change: Awaitable[Any],
        done: str,
    ) -> Redirect:
        try:
            await change
        except (Conflict, Forbidden, InvalidInput) as error:
            flash(request, str(error.detail), category="error")
        else:
            flash(request, done, category="success")
        return _back(listing)

    @post("/photos/{photo_id:uuid}/move")
    async def move(
        self,
        photo_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> Redirect:
        listing = await visible_listing_of(photo_id, viewer, listings, photos)
        offset = -1 if text(data, "direction") == "up" else 1
        return await self._change(
            request,
            listing,
            photos.move(listing, viewer, photo_id, offset),
            _("Ordre des photos enregistré."),
        )

    @post("/photos/{photo_id:uuid}/cover")
    async def cover(
        self,
        photo_id: uuid.UUID,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> Redirect:
        listing = await visible_listing_of(photo_id, viewer, listings, photos)
        return await self._change(
            request, listing, photos.set_cover(listing, viewer, photo_id), _("Photo principale choisie.")
        )

    @post("/photos/{photo_id:uuid}/alt")
    async def describe(
        self,
        photo_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> Redirect:
        listing = await visible_listing_of(photo_id, viewer, listings, photos)
        return await self._change(
            request,
            listing,
            photos.set_alt_text(listing, viewer, photo_id, text(data, "alt_text")),
            _("Description de la photo enregistrée."),
        )

    @post("/photos/{photo_id:uuid}/delete")
    async def delete(
        self,
        photo_id: uuid.UUID,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> Redirect:
        listing = await visible_listing_of(photo_id, viewer, listings, photos)
        return await self._change(
            request, listing, photos.delete_photo(listing, viewer, photo_id), _("Photo supprimée.")
        )
