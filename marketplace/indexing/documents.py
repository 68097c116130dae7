"""What the search index holds for a listing: a flat document, built from the database.

The ``search`` package knows nothing of the app's models: the app turns a listing into this
document and hands it to the index. Only findable listings (``status.SEARCHABLE``) have one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.indexing.models import ChangeSubject, SearchOutboxEntry
from marketplace.listings.models import Listing
from marketplace.listings.status import SEARCHABLE
from marketplace.photos.display import photo_url
from marketplace.photos.models import Photo
from marketplace.photos.service import covers_of


def listing_document(listing: Listing, cover: Photo | None = None) -> dict[str, Any]:
    """The document of one listing (its community and category loaded), ids as strings."""
    category = listing.category
    timestamp = listing.published_at or listing.created_at
    return {
        "id": str(listing.id),
        "community_id": str(listing.community_id),
        "community": listing.community.name,
        "category_id": str(listing.category_id),
        "category": category.name,
        # Browsing a top-level category shows its sub-categories' listings: the index can too.
        "category_ids": [str(item) for item in (category.id, category.parent_id) if item is not None],
        "kind": listing.kind.value,
        "status": listing.status.value,
        "title": listing.title,
        "description": listing.description,
        "wanted_in_exchange": listing.wanted_in_exchange,
        "price": None if listing.price_cents is None else listing.price_cents / 100,
        "condition": listing.condition,
        **{key: value for key, value in sorted((listing.attributes or {}).items())},
        "pickup_area": listing.pickup_area,
        "published_at": int(timestamp.timestamp()) if timestamp else 0,
        "cover": photo_url(cover, "thumb") if cover is not None else None,
    }


async def documents_for(session: AsyncSession, listing_ids: Iterable[uuid.UUID]) -> list[dict[str, Any]]:
    """The documents of those of ``listing_ids`` that are findable now (the others have none)."""
    ids = list(dict.fromkeys(listing_ids))
    if not ids:
        return []
    listings = list(
        (
            await session.scalars(select(Listing).where(Listing.id.in_(ids), Listing.status.in_(SEARCHABLE)))
        ).unique()
    )
    covers = await covers_of(session, [listing.id for listing in listings])
    return [listing_document(listing, covers.get(listing.id)) for listing in listings]


async def listings_concerned(session: AsyncSession, entries: Sequence[SearchOutboxEntry]) -> set[uuid.UUID]:
    """The listings whose documents a batch of outbox rows asks to rewrite or remove."""
    listing_ids = {entry.subject_id for entry in entries if entry.subject == ChangeSubject.LISTING}
    categories = [entry.subject_id for entry in entries if entry.subject == ChangeSubject.CATEGORY]
    communities = [entry.subject_id for entry in entries if entry.subject == ChangeSubject.COMMUNITY]
    if categories:
        listing_ids |= set(
            await session.scalars(select(Listing.id).where(Listing.category_id.in_(categories)))
        )
    if communities:
        listing_ids |= set(
            await session.scalars(select(Listing.id).where(Listing.community_id.in_(communities)))
        )
    return listing_ids
