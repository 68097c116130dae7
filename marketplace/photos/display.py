"""How a stored photo is shown: its URLs, and what the templates need to draw it.

URLs carry the variant's content hash (``/photos/{id}/{variant}/{hash}.webp``): a URL never
changes meaning, so a public one can be cached forever, and a stale or guessed one is a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from marketplace.listings.models import Listing
from marketplace.listings.status import EDITABLE
from marketplace.photos.models import DraftPhoto, Photo
from marketplace.photos.service import MAX_PHOTOS_PER_LISTING, PhotoService
from marketplace.web.i18n import gettext as _

VARIANT_NAMES: Final = ("thumb", "medium", "large")
"""Smallest first, as a ``srcset`` lists them."""


def variant_hash(photo: Photo, variant: str) -> str | None:
    """The content hash of one variant (the stem of its content-addressed key), or None."""
    entry = (photo.variants or {}).get(variant)
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        return None
    return str(entry["key"]).rsplit("/", 1)[-1].removesuffix(".webp")


def photo_url(photo: Photo, variant: str) -> str:
    return f"/photos/{photo.id}/{variant}/{variant_hash(photo, variant)}.webp"


def effective_alt_text(photo: Photo, listing_title: str) -> str:
    """What the author wrote, else the listing's title (which then follows the title's edits)."""
    return photo.alt_text or listing_title


def placeholder_src(color: str, width: int, height: int) -> str:
    """A tiny SVG of the photo's average colour and proportions, as a ``data:`` URL.

    It is drawn under the real image while that loads: the site's CSP allows ``data:`` images
    but no inline ``style`` attribute, so an image is how a per-photo colour reaches the page.
    """
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>"
        f"<rect width='100%' height='100%' fill='{_safe_color(color)}'/></svg>"
    )
    return "data:image/svg+xml," + quote(svg, safe="/:='")


def _safe_color(color: str) -> str:
    valid = (
        len(color) == 7 and color.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in color[1:])
    )
    return color if valid else "#cccccc"


@dataclass(frozen=True)
class Rendition:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class PhotoView:
    """One photo as the templates draw it (gallery, card cover, management list)."""

    id: uuid.UUID
    position: int
    alt: str
    custom_alt: str
    """The author's own alt text, "" when the listing's title stands in."""
    color: str
    placeholder: str
    thumb: Rendition
    medium: Rendition
    large: Rendition

    @property
    def srcset(self) -> str:
        """Distinct renditions by width (a small source can give the same one several names)."""
        seen: dict[int, str] = {}
        for rendition in (self.thumb, self.medium, self.large):
            seen.setdefault(rendition.width, rendition.url)
        return ", ".join(f"{url} {width}w" for width, url in sorted(seen.items()))

    @classmethod
    def of(cls, photo: Photo, listing_title: str, *, index: int = 0, count: int = 1) -> PhotoView:
        renditions = {name: _rendition(photo, name) for name in VARIANT_NAMES}
        alt = photo.alt_text
        if not alt:
            alt = listing_title
            if count > 1:
                alt = _(
                    "%(title)s, photo %(number)s sur %(count)s",
                    title=listing_title,
                    number=index + 1,
                    count=count,
                )
        large = renditions["large"]
        return cls(
            id=photo.id,
            position=photo.position,
            alt=alt,
            custom_alt=photo.alt_text,
            color=photo.placeholder_color,
            placeholder=placeholder_src(photo.placeholder_color, large.width, large.height),
            thumb=renditions["thumb"],
            medium=renditions["medium"],
            large=large,
        )


def views_of(photos: list[Photo], listing_title: str) -> list[PhotoView]:
    return [PhotoView.of(photo, listing_title, index=i, count=len(photos)) for i, photo in enumerate(photos)]


def _rendition(photo: Photo, variant: str) -> Rendition:
    entry: dict[str, Any] = (photo.variants or {}).get(variant) or {}
    return Rendition(
        url=photo_url(photo, variant),
        width=int(entry.get("width") or photo.width),
        height=int(entry.get("height") or photo.height),
    )


# --- what the listing pages hand to the photo partials -------------------------------------------


async def cover_views(photos: PhotoService, listings: Sequence[Listing]) -> dict[uuid.UUID, PhotoView]:
    """Each listing's cover, keyed by listing id, for ``photos/_cover.html`` (one query)."""
    titles = {listing.id: listing.title for listing in listings}
    covers = await photos.cover_for(titles)
    return {listing_id: PhotoView.of(photo, titles[listing_id]) for listing_id, photo in covers.items()}


async def gallery_context(
    photos: PhotoService, listing: Listing, *, is_author: bool, is_moderator: bool
) -> dict[str, Any]:
    """The context of ``photos/_gallery.html`` and ``photos/_manage.html`` for one listing."""
    views = views_of(await photos.for_listing(listing.id), listing.title)
    return {
        "photos": views,
        "can_manage_photos": is_author and listing.status in EDITABLE,
        "can_delete_photos": is_author or is_moderator,
        "photo_room": max(0, MAX_PHOTOS_PER_LISTING - len(views)),
        "max_photos": MAX_PHOTOS_PER_LISTING,
    }


# --- the photos of a draft (the posting form) ----------------------------------------------------


@dataclass(frozen=True)
class DraftPhotoView:
    """One file of a draft as the posting form shows it: its thumbnail, or why it was refused."""

    id: uuid.UUID
    filename: str
    reason: str
    """Why the file was refused; "" for an accepted photo."""
    thumb: Rendition | None
    placeholder: str

    @property
    def refused(self) -> bool:
        return bool(self.reason)

    @classmethod
    def of(cls, photo: DraftPhoto) -> DraftPhotoView:
        thumb = None
        placeholder = ""
        entry = (photo.variants or {}).get("thumb")
        if not photo.refusal and isinstance(entry, dict) and isinstance(entry.get("key"), str):
            digest = str(entry["key"]).rsplit("/", 1)[-1].removesuffix(".webp")
            width, height = int(entry.get("width") or photo.width), int(entry.get("height") or photo.height)
            thumb = Rendition(
                url=f"/drafts/photos/{photo.id}/thumb/{digest}.webp", width=width, height=height
            )
            placeholder = placeholder_src(photo.placeholder_color, width, height)
        return cls(
            id=photo.id, filename=photo.filename, reason=photo.refusal, thumb=thumb, placeholder=placeholder
        )
