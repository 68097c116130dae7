"""The importer's writes: a batch of listings checked, created or updated, in two flushes.

One listing at a time, an import paid five statements and two flushes a line (about 200 lines a
second); a batch reads the listings it may update in one query per community, adds the new ones
together, and records their search changes together. The rules are those of a listing posted by
hand (``rules.clean_listing``); idempotence is kept: a line equal to what is stored writes nothing
(no version, no ``updated_at``, no outbox row).
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.communities.models import Category, Community
from marketplace.errors import InvalidInput
from marketplace.indexing.changes import record_listing_change
from marketplace.listings import status as life_cycle
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.reads import ListingReads
from marketplace.listings.rules import CleanListing, ListingFields, clean_listing

# The fields a line sets, compared to decide whether an existing listing changed.
_FIELDS = (
    "kind",
    "title",
    "description",
    "condition",
    "attributes",
    "pickup_area",
    "price_cents",
    "wanted_in_exchange",
)
# Refs per query: well under the bound parameters SQLite and asyncpg accept in one statement.
_REFS_PER_QUERY = 1000


@dataclass(frozen=True)
class ImportItem:
    """One line, its community, category and author found: what the batch writes."""

    number: int
    community: Community
    category: Category
    author: User | None
    ref: str
    data: ListingFields
    status: ListingStatus
    created_at: datetime.datetime


def _apply(listing: Listing, cleaned: CleanListing) -> bool:
    changed = False
    for name in _FIELDS:
        value = getattr(cleaned, name)
        if getattr(listing, name) != value:
            setattr(listing, name, value)
            changed = True
    return changed


class ListingImports(ListingReads):
    """Creates or updates the listings of a batch of import lines (``marketplace import listings``)."""

    async def _existing(self, items: Sequence[ImportItem]) -> dict[tuple[object, str], Listing]:
        """The listings the batch names already, by (community id, ref)."""
        refs: dict[object, list[str]] = {}
        for item in items:
            refs.setdefault(item.community.id, []).append(item.ref)
        found: dict[tuple[object, str], Listing] = {}
        for community_id, wanted in refs.items():
            unique = list(dict.fromkeys(wanted))
            for start in range(0, len(unique), _REFS_PER_QUERY):
                rows = await self.session.scalars(
                    select(Listing).where(
                        Listing.community_id == community_id,
                        Listing.ref.in_(unique[start : start + _REFS_PER_QUERY]),
                    )
                )
                found.update({(community_id, str(listing.ref)): listing for listing in rows.unique()})
        return found

    async def import_batch(
        self,
        items: Sequence[ImportItem],
        *,
        default_author: Callable[[], Awaitable[User]],
        now: datetime.datetime,
    ) -> list[tuple[ImportItem, str | InvalidInput]]:
        """Each item's outcome, in order: "created", "updated", "unchanged", or the refusal.

        ``author`` is the line's own; ``default_author`` gives the author of a new listing that
        names none (an existing listing keeps its author). The file's status opens a new listing;
        on an existing one it may close it (done, withdrawn) but never reopens what the site has
        moved on (a reservation, an expiry, a moderator's removal). The caller commits."""
        existing = await self._existing(items)
        outcomes: list[tuple[ImportItem, str | InvalidInput]] = []
        touched: list[Listing] = []
        for item in items:
            try:
                cleaned = clean_listing(
                    item.data,
                    category_attributes=list(item.category.attributes or []),
                    pickup_areas=list(item.community.pickup_areas or []),
                    require_exchange=False,  # the import format has no such field: the description says it
                )
            except InvalidInput as error:
                outcomes.append((item, error))
                continue
            key = (item.community.id, item.ref)
            listing = existing.get(key)
            if listing is None:
                listing = await self._new(item, cleaned, default_author, now)
                existing[key] = listing  # a later line with the same ref updates it
                touched.append(listing)
                outcomes.append((item, "created"))
            elif self._update(listing, item, cleaned, now):
                touched.append(listing)
                outcomes.append((item, "updated"))
            else:
                outcomes.append((item, "unchanged"))
        if touched:
            await self.session.flush()  # the new listings get their ids
            for listing in dict.fromkeys(touched):
                record_listing_change(
                    self.session, listing.id, findable=listing.status in life_cycle.SEARCHABLE
                )
            await self.session.flush()
        return outcomes

    async def _new(
        self,
        item: ImportItem,
        cleaned: CleanListing,
        default_author: Callable[[], Awaitable[User]],
        now: datetime.datetime,
    ) -> Listing:
        author = item.author or await default_author()
        listing = Listing(
            community=item.community,
            community_id=item.community.id,
            category=item.category,
            category_id=item.category.id,
            author=author,
            author_id=author.id,
            ref=item.ref,
            status=item.status,
            created_at=item.created_at,
            updated_at=item.created_at,
            status_changed_at=item.created_at,
        )
        _apply(listing, cleaned)
        if item.status != ListingStatus.DRAFT:
            # An old file must not give listings that are born expired.
            listing.published_at = item.created_at
            lifetime = datetime.timedelta(days=item.community.listing_lifetime_days)
            listing.expires_at = max(item.created_at, now) + lifetime
        self.session.add(listing)
        return listing

    @staticmethod
    def _update(listing: Listing, item: ImportItem, cleaned: CleanListing, now: datetime.datetime) -> bool:
        changed = _apply(listing, cleaned)
        if listing.category_id != item.category.id:
            listing.category = item.category
            listing.category_id = item.category.id
            changed = True
        if item.author is not None and listing.author_id != item.author.id:
            listing.author = item.author
            listing.author_id = item.author.id
            changed = True
        closing = item.status in (ListingStatus.DONE, ListingStatus.WITHDRAWN)
        if closing and listing.status in (ListingStatus.AVAILABLE, ListingStatus.RESERVED):
            listing.status = item.status
            listing.status_changed_at = now
            changed = True
        return changed
