"""What the search index holds for a listing: a flat document, built from the database.

The ``search`` package knows nothing of the app's models: the app turns a listing into this
document and hands it to the index. Only findable listings (``status.SEARCHABLE``) have one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.models import User
from marketplace.communities.attributes import covered_shoe_sizes, covered_sizes
from marketplace.communities.models import Category, Community, Membership, MembershipStatus
from marketplace.indexing.models import ChangeSubject, SearchOutboxEntry
from marketplace.listings.importer import IMPORT_ACCOUNT_EMAIL
from marketplace.listings.models import Listing
from marketplace.listings.status import SEARCHABLE
from marketplace.photos.display import photo_url
from marketplace.photos.models import Photo
from marketplace.photos.service import covers_of

# What a document is built from, read as plain rows (no ORM objects: the indexer reads thousands).
DOCUMENT_COLUMNS = (
    Listing.id,
    Listing.ref,
    Listing.community_id,
    Community.slug.label("community_slug"),
    Community.name.label("community_name"),
    Listing.category_id,
    Category.name.label("category_name"),
    Category.parent_id.label("category_parent_id"),
    Listing.kind,
    Listing.status,
    Listing.title,
    Listing.description,
    Listing.wanted_in_exchange,
    Listing.price_cents,
    Listing.condition,
    Listing.attributes,
    Listing.pickup_area,
    Listing.published_at,
    Listing.created_at,
)


def _document_rows() -> Select[Any]:
    return (
        select(*DOCUMENT_COLUMNS)
        .join(Community, Community.id == Listing.community_id)
        .join(Category, Category.id == Listing.category_id)
    )


def document(values: Any, cover: Photo | None = None) -> dict[str, Any]:
    """The document of one listing, from an object with the names of ``DOCUMENT_COLUMNS``.

    Sizes are filtered on the points of the scale they cover (a "0-6 mois" lot is found under
    "3 mois"): ``size`` and ``shoe_size`` hold those points, ``attributes`` the values as written,
    for display."""
    timestamp = values.published_at or values.created_at
    attributes = {key: value for key, value in sorted((values.attributes or {}).items()) if value}
    return {
        "id": str(values.id),
        "ref": values.ref,
        "community_id": str(values.community_id),
        "community": values.community_slug,
        "community_name": values.community_name,
        "category_id": str(values.category_id),
        "category": values.category_name,
        # Browsing a top-level category shows its sub-categories' listings: the index can too.
        "category_ids": [
            str(item) for item in (values.category_id, values.category_parent_id) if item is not None
        ],
        "kind": values.kind.value,
        "status": values.status.value,
        "title": values.title,
        "description": values.description,
        "wanted_in_exchange": values.wanted_in_exchange,
        "price": None if values.price_cents is None else values.price_cents / 100,
        "condition": values.condition,
        **{key: value for key, value in attributes.items() if key not in ("size", "shoe_size")},
        "size": covered_sizes(str(attributes["size"])) if "size" in attributes else [],
        "shoe_size": covered_shoe_sizes(str(attributes["shoe_size"])) if "shoe_size" in attributes else [],
        "attributes": attributes,
        "pickup_area": values.pickup_area,
        "published_at": int(timestamp.timestamp()) if timestamp else 0,
        "created_at": timestamp.isoformat() if timestamp else None,
        "cover": photo_url(cover, "thumb") if cover is not None else None,
    }


def listing_document(listing: Listing, cover: Photo | None = None) -> dict[str, Any]:
    """The document of a loaded listing (its community and category loaded)."""
    values = SimpleNamespace(
        **{column.key: getattr(listing, column.key) for column in DOCUMENT_COLUMNS if column.key in _OWN},
        community_slug=listing.community.slug,
        community_name=listing.community.name,
        category_name=listing.category.name,
        category_parent_id=listing.category.parent_id,
    )
    return document(values, cover)


_OWN = frozenset(column.key for column in DOCUMENT_COLUMNS if getattr(column, "class_", None) is Listing)


def findable() -> ColumnElement[bool]:
    """The listings readers may find: open to readers, and posted by somebody who still belongs
    to the group. A member who is banned or who leaves takes their listings out of search (they
    can no longer hand anything over there); they come back if the member is admitted again.
    Imported listings that name nobody belong to the built-in import account, which is no
    member of anything: they stay findable."""
    author_is_member = exists().where(
        Membership.user_id == Listing.author_id,
        Membership.community_id == Listing.community_id,
        Membership.status == MembershipStatus.ACTIVE,
    )
    import_account = select(User.id).where(User.email == IMPORT_ACCOUNT_EMAIL).scalar_subquery()
    return and_(Listing.status.in_(SEARCHABLE), or_(author_is_member, Listing.author_id == import_account))


# Ids per query: well under the bound parameters SQLite and asyncpg accept in one statement.
_IDS_PER_QUERY = 1000


async def documents_for(session: AsyncSession, listing_ids: Iterable[uuid.UUID]) -> list[dict[str, Any]]:
    """The documents of those of ``listing_ids`` that are findable now (the others have none)."""
    ids = list(dict.fromkeys(listing_ids))
    documents: list[dict[str, Any]] = []
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        rows = (await session.execute(_document_rows().where(Listing.id.in_(chunk), findable()))).all()
        documents.extend(await _documents_of(session, rows))
    return documents


async def _documents_of(session: AsyncSession, rows: Sequence[Any]) -> list[dict[str, Any]]:
    covers = await covers_of(session, [row.id for row in rows])
    return [document(row, covers.get(row.id)) for row in rows]


async def all_documents(session: AsyncSession, batch_size: int = 500) -> AsyncIterator[list[dict[str, Any]]]:
    """Every findable listing's document, in batches (``marketplace search reindex``), in id order
    so that the walk is stable while people keep posting."""
    after: uuid.UUID | None = None
    while True:
        statement = _document_rows().where(findable()).order_by(Listing.id).limit(batch_size)
        if after is not None:
            statement = statement.where(Listing.id > after)
        rows = (await session.execute(statement)).all()
        if not rows:
            return
        yield await _documents_of(session, rows)
        after = rows[-1].id


async def findable_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Listing).where(findable())) or 0)


async def listings_concerned(session: AsyncSession, entries: Sequence[SearchOutboxEntry]) -> set[uuid.UUID]:
    """The listings whose documents a batch of outbox rows asks to rewrite or remove."""
    listing_ids = {entry.subject_id for entry in entries if entry.subject == ChangeSubject.LISTING}
    categories = [entry.subject_id for entry in entries if entry.subject == ChangeSubject.CATEGORY]
    communities = [entry.subject_id for entry in entries if entry.subject == ChangeSubject.COMMUNITY]
    authors = [entry.subject_id for entry in entries if entry.subject == ChangeSubject.AUTHOR]
    if categories:
        listing_ids |= set(
            await session.scalars(select(Listing.id).where(Listing.category_id.in_(categories)))
        )
    if communities:
        listing_ids |= set(
            await session.scalars(select(Listing.id).where(Listing.community_id.in_(communities)))
        )
    if authors:
        listing_ids |= set(await session.scalars(select(Listing.id).where(Listing.author_id.in_(authors))))
    return listing_ids
