"""Serving the variant files, through the visibility rule.

- A photo of a listing everybody may see, in a public community: ``public``, cached for a year
  and ``immutable`` (the URL holds the file's content hash, so it never changes meaning).
- Any other photo (members-only community, a draft, a removed listing): only to those who may
  see the listing, ``private`` caching; everybody else gets the 404 of a photo that does not
  exist.
- Every answer is ``image/webp`` with ``nosniff`` and a CSP that forbids everything, so that
  even a file that somehow held markup could not run anything; the ETag is the content hash.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Final

import anyio.to_thread
from litestar import Controller, Request, Response, get
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from marketplace.accounts.auth import Viewer
from marketplace.communities.models import Visibility
from marketplace.errors import NotFound
from marketplace.listings.models import Listing
from marketplace.listings.service import ListingService
from marketplace.listings.status import OPEN_TO_READERS
from marketplace.photos.dependencies import PHOTO_DEPENDENCIES
from marketplace.photos.display import variant_hash
from marketplace.photos.models import Photo
from marketplace.photos.pipeline import VARIANT_LONG_EDGES
from marketplace.photos.storage import PhotoNotFound, PhotoStorage
from marketplace.web.i18n import gettext as _

logger = logging.getLogger(__name__)

PUBLIC_CACHING: Final = "public, max-age=31536000, immutable"
# A member's browser may keep it a day; a shared cache never (Cache-Control: private).
PRIVATE_CACHING: Final = "private, max-age=86400"
PHOTO_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def caching_for(listing: Listing) -> str:
    if listing.community.visibility == Visibility.PUBLIC and listing.status in OPEN_TO_READERS:
        return PUBLIC_CACHING
    return PRIVATE_CACHING


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


class PhotoFiles(Controller):
    path = "/photos"
    include_in_schema = False
    dependencies = PHOTO_DEPENDENCIES

    # No CSRF cookie on an image response: a cacheable answer must not set cookies.
    @get("/{photo_id:uuid}/{variant:str}/{name:str}", name="photo-file", exclude_from_csrf=True)
    async def serve(
        self,
        photo_id: uuid.UUID,
        variant: str,
        name: str,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        listings: ListingService,
        storage: PhotoStorage,
    ) -> Response[bytes]:
        missing = NotFound(_("Cette photo n'existe pas ou n'est pas visible."))
        if variant not in VARIANT_LONG_EDGES:
            raise missing
        photo = await listings.session.get(Photo, photo_id)
        content_hash = variant_hash(photo, variant) if photo is not None else None
        if photo is None or content_hash is None or name != f"{content_hash}.webp":
            raise missing
        try:
            listing = await listings.visible(viewer, photo.listing_id)
        except NotFound:
            raise missing from None  # the very answer of a photo that does not exist: no oracle
        etag = f'"{content_hash}"'
        headers = {**PHOTO_HEADERS, "Cache-Control": caching_for(listing), "ETag": etag}
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        key = photo.variants[variant]["key"]
        try:
            data = await anyio.to_thread.run_sync(storage.open, key)
        except PhotoNotFound:
            logger.error("Photo %s has no file for %s (%s)", photo.id, variant, key)
            raise missing from None
        return Response(data, media_type="image/webp", headers=headers)
