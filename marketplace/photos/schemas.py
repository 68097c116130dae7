"""API shapes of photos (msgspec Structs, never the ORM model)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import msgspec
from litestar.datastructures import UploadFile

from marketplace.communities.schemas import from_row
from marketplace.photos.display import effective_alt_text, photo_url
from marketplace.photos.models import Photo


@dataclass
class PhotoUpload:
    """The multipart body of an upload: the image in ``file``, an optional description.

    ``file`` is optional here only so that its absence is reported like any invalid field."""

    file: UploadFile | None = None
    alt_text: str = ""


class PhotoUrls(msgspec.Struct):
    """Where each WebP variant is served (long edge 320, 960 and 1920 px, never upscaled)."""

    thumb: str
    medium: str
    large: str


class PhotoOut(msgspec.Struct):
    id: uuid.UUID
    listing_id: uuid.UUID
    position: int
    width: int
    height: int
    alt_text: str
    placeholder_color: str
    urls: PhotoUrls

    @classmethod
    def of(cls, photo: Photo, listing_title: str) -> PhotoOut:
        return from_row(
            cls,
            photo,
            alt_text=effective_alt_text(photo, listing_title),
            urls=PhotoUrls(
                thumb=photo_url(photo, "thumb"),
                medium=photo_url(photo, "medium"),
                large=photo_url(photo, "large"),
            ),
        )


class PhotoOrder(msgspec.Struct):
    """Every photo id of the listing, once each, cover first."""

    ids: list[uuid.UUID]


class PhotoPatch(msgspec.Struct):
    """The photo's description for screen readers; empty gives back the listing's title."""

    alt_text: str
