"""Every read of listings, through the visibility rule: by id, browse, the home page, one's own, counts.

A listing the reader may not see does not exist for them (404), in reads by id, in lists and in
counts. The rule itself lives in ``marketplace.communities.visibility``; here it is one more
filter of each query, beside the life cycle's own (drafts are their author's, removed listings
their author's and the moderators').
"""

from __future__ import annotations

import uuid
from typing import Any

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import BindParameter, ColumnElement, UnaryExpression, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.communities.models import Category, Community
from marketplace.communities.service import CommunityService
from marketplace.communities.visibility import can_read
from marketplace.errors import NotFound
from marketplace.listings.models import ON_OFFER_STATUSES, Listing, ListingKind, ListingStatus
from marketplace.listings.status import OPEN_TO_READERS, Actor
from marketplace.web.i18n import gettext as _

NEWEST_PUBLISHED = (
    OrderBy(field_name="published_at", sort_order="desc"),
    OrderBy(field_name="id", sort_order="desc"),
)
NEWEST_CREATED = (
    OrderBy(field_name="created_at", sort_order="desc"),
    OrderBy(field_name="id", sort_order="desc"),
)


def columns_of(order: tuple[OrderBy, ...]) -> list[UnaryExpression[Any]]:
    """An order of the repository's as SQLAlchemy's, for the queries of ids written here."""
    columns = [getattr(Listing, str(item.field_name)) for item in order]
    return [
        column.desc() if item.sort_order == "desc" else column.asc()
        for column, item in zip(columns, order, strict=True)
    ]


def readable(viewer: Viewer) -> ColumnElement[bool]:
    """The visibility rule applied to listings (through their community)."""
    return can_read(viewer, Listing.community_id.expression)


def findable() -> ColumnElement[bool]:
    """Listings that browse, counts and search show (available and reserved).

    The statuses are written into the SQL rather than bound: the partial indexes of listings on
    offer (``ON_OFFER`` in models.py) serve only a query whose WHERE says what theirs does."""
    statuses: BindParameter[list[str]] = bindparam(
        "on_offer", ON_OFFER_STATUSES, expanding=True, literal_execute=True, unique=True
    )
    return Listing.status.in_(statuses)


def page_filter(page: int, per_page: int) -> LimitOffset:
    return LimitOffset(limit=per_page, offset=(page - 1) * per_page)


class ListingReads(SQLAlchemyAsyncRepositoryService[Listing]):
    """The reads of ``ListingService`` (which adds the writes)."""

    class Repo(SQLAlchemyAsyncRepository[Listing]):
        model_type = Listing

    repository_type = Repo

    @property
    def session(self) -> AsyncSession:
        return self.repository.session  # type: ignore[return-value]

    async def actors(self, viewer: Viewer, listing: Listing) -> set[Actor]:
        """The capacities in which ``viewer`` acts on ``listing``."""
        held: set[Actor] = set()
        if viewer.user_id is None:
            return held
        if listing.author_id == viewer.user_id:
            held.add(Actor.AUTHOR)
        if viewer.is_site_admin or await CommunityService(session=self.session).is_moderator(
            listing.community_id, viewer.user_id
        ):
            held.add(Actor.MODERATOR)
        return held

    async def visible(self, viewer: Viewer, listing_id: uuid.UUID) -> Listing:
        """The listing if ``viewer`` may see it, else NotFound (the same answer as for no listing).

        Drafts are seen by their author only; removed listings by their author and the
        moderators of the community."""
        missing = NotFound(_("Cette annonce n'existe pas ou n'est pas visible."))
        listing = await self.repository.get_one_or_none(Listing.id == listing_id, readable(viewer))
        if listing is None:
            raise missing
        is_author = viewer.user_id is not None and listing.author_id == viewer.user_id
        if listing.status in OPEN_TO_READERS or is_author:
            return listing
        if listing.status == ListingStatus.REMOVED and Actor.MODERATOR in await self.actors(viewer, listing):
            return listing
        raise missing

    async def browse(
        self,
        viewer: Viewer,
        community: Community,
        *,
        category_id: uuid.UUID | None = None,
        kind: ListingKind | None = None,
        page: int = 1,
        per_page: int = 24,
    ) -> tuple[list[Listing], int]:
        """The findable listings of a community, newest first; a category includes its children."""
        filters: list[ColumnElement[bool]] = [
            Listing.community_id == community.id,
            findable(),
            readable(viewer),
        ]
        if category_id is not None:
            children = select(Category.id).where(
                Category.community_id == community.id,
                or_(Category.id == category_id, Category.parent_id == category_id),
            )
            filters.append(Listing.category_id.in_(children))
        if kind is not None:
            filters.append(Listing.kind == kind)
        return await self._page(filters, NEWEST_PUBLISHED, page, per_page)

    async def latest(self, viewer: Viewer, limit: int = 8) -> list[Listing]:
        """The newest findable listings of every community ``viewer`` may read (the home page)."""
        # The ids first, then their rows with what the cards show: alone, the ids' query lets
        # the planner read the newest-first index until enough are found (most listings one
        # may read are on offer); joined with the eager loads, SQLite took the group-and-status
        # index and sorted every listing on offer (98 ms at 100,000 listings, bench/scale.py).
        newest = (
            select(Listing.id)
            .where(findable(), readable(viewer))
            .order_by(*columns_of(NEWEST_PUBLISHED))
            .limit(limit)
        )
        rows = await self.repository.get_many(Listing.id.in_(newest), *NEWEST_PUBLISHED, uniquify=True)
        return list(rows)

    async def of_author(
        self, viewer: Viewer, *, status: ListingStatus | None = None, page: int = 1, per_page: int = 24
    ) -> tuple[list[Listing], int]:
        """The viewer's own listings in every status (drafts included), newest first.

        Still through the visibility rule: a listing in a members-only group the author has
        left is out of their reach like the rest of that group."""
        if viewer.user_id is None:
            return [], 0
        filters: list[ColumnElement[bool]] = [
            Listing.author_id == viewer.user_id,
            readable(viewer),
        ]
        if status is not None:
            filters.append(Listing.status == status)
        return await self._page(filters, NEWEST_CREATED, page, per_page)

    async def of_author_by_status(
        self, viewer: Viewer, per_status: int
    ) -> tuple[dict[ListingStatus, list[Listing]], dict[ListingStatus, int]]:
        """The viewer's own newest ``per_status`` listings of each status, and how many each
        status has, in two queries whatever their number (an author may have hundreds)."""
        if viewer.user_id is None:
            return {}, {}
        mine = (Listing.author_id == viewer.user_id, readable(viewer))
        counts = {
            ListingStatus(status): int(count)
            for status, count in await self.session.execute(
                select(Listing.status, func.count()).where(*mine).group_by(Listing.status)
            )
        }
        rank = (
            func.row_number()
            .over(partition_by=Listing.status, order_by=columns_of(NEWEST_CREATED))
            .label("rank")
        )
        ranked = select(Listing.id, rank).where(*mine).subquery()
        newest = select(ranked.c.id).where(ranked.c.rank <= per_status)
        rows = await self.repository.get_many(Listing.id.in_(newest), *NEWEST_CREATED, uniquify=True)
        by_status: dict[ListingStatus, list[Listing]] = {}
        for listing in rows:
            by_status.setdefault(listing.status, []).append(listing)
        return by_status, counts

    async def _page(
        self,
        conditions: list[ColumnElement[bool]],
        order: tuple[OrderBy, ...],
        page: int,
        per_page: int,
    ) -> tuple[list[Listing], int]:
        """One page of the listings meeting ``conditions``, and how many they are in all.

        The page's ids first, then their rows with what the cards show: skipping to a deep page
        walks the entries of a covering index rather than whole rows with their joins (page 500
        of a group's 15,000 listings on offer took 379 ms at 100,000 listings, bench/scale.py).
        A page past the end still knows the total."""
        ids = (
            select(Listing.id)
            .where(*conditions)
            .order_by(*columns_of(order))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        total = await self.session.scalar(select(func.count()).select_from(Listing).where(*conditions))
        rows = await self.repository.get_many(Listing.id.in_(ids), *order, uniquify=True)
        return list(rows), int(total or 0)

    async def count_visible(self, viewer: Viewer, community_id: uuid.UUID) -> int:
        """How many findable listings of the community ``viewer`` may see (0 for an outsider)."""
        return await self.repository.count(Listing.community_id == community_id, findable(), readable(viewer))

    async def counts_per_category(self, viewer: Viewer, community_id: uuid.UUID) -> dict[uuid.UUID, int]:
        """Findable listings per category, through the visibility rule (none for a non-reader).

        A top-level category counts its sub-categories' listings too, as browsing it shows them."""
        rows = await self.session.execute(
            select(Listing.category_id, func.count())
            .where(Listing.community_id == community_id, findable(), readable(viewer))
            .group_by(Listing.category_id)
        )
        own = {category_id: count for category_id, count in rows}
        if not own:
            return {}
        counts = dict(own)
        parents = await self.session.execute(
            select(Category.id, Category.parent_id).where(
                Category.community_id == community_id, Category.parent_id.is_not(None)
            )
        )
        for category_id, parent_id in parents:
            if parent_id is not None and category_id in own:
                counts[parent_id] = counts.get(parent_id, 0) + own[category_id]
        return counts

    async def by_ref(self, community_id: uuid.UUID, ref: str) -> Listing | None:
        """The imported listing ``ref`` of a community (the importer's key; no visibility: the CLI)."""
        return await self.repository.get_one_or_none(Listing.community_id == community_id, Listing.ref == ref)
