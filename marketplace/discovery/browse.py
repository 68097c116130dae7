"""A group's listings answered by the database, in the shape of a search result.

A group's page lists its listings through the search (filters with counts, sorts). Browsing
without words is also a question the database answers exactly, and it does when the index
cannot: while the index does not answer, or while changes wait in the search outbox (a
neighbour who just posted finds the listing on the group's page at once, rather than a moment
later). The hits are the documents the index would hold (``indexing.documents``), so the page
looks the same; the counts cover the filters the database answers here (category and kind).
"""

from __future__ import annotations

import html
import time
import uuid
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.communities.models import Category
from marketplace.discovery.queries import SearchParams
from marketplace.indexing.documents import findable, listing_document
from marketplace.indexing.models import SearchOutboxEntry
from marketplace.listings.models import Listing
from marketplace.photos.service import covers_of
from search.contract import Facet, Filters, Hit, Query, Result, Sort

SNIPPET_LENGTH = 160


def answers(params: SearchParams) -> bool:
    """Whether the database answers these parameters as the index would: no words, and only
    the filters it has columns for."""
    return not params.q.strip() and not (
        params.sizes or params.shoe_sizes or params.conditions or params.genders
    )


async def index_is_behind(session: AsyncSession) -> bool:
    """Changes wait in the search outbox: the index does not show them yet."""
    pending = exists().where(SearchOutboxEntry.processed_at.is_(None))
    return bool(await session.scalar(select(pending)))


def _conditions(query: Query, filters: Filters) -> list[ColumnElement[bool]]:
    ids = [uuid.UUID(value) for value in query.community_ids]
    conditions: list[ColumnElement[bool]] = [findable(), Listing.community_id.in_(ids)]
    conditions.append(Listing.status.in_(list(filters.statuses)))
    if filters.category_ids:
        categories = [uuid.UUID(value) for value in filters.category_ids]
        children = select(Category.id).where(
            or_(Category.id.in_(categories), Category.parent_id.in_(categories))
        )
        conditions.append(Listing.category_id.in_(children))
    if filters.kinds:
        conditions.append(Listing.kind.in_(list(filters.kinds)))
    if filters.min_price is not None:
        conditions.append(Listing.price_cents >= round(filters.min_price * 100))
    if filters.max_price is not None:
        conditions.append(Listing.price_cents <= round(filters.max_price * 100))
    if filters.pickup_areas:
        conditions.append(Listing.pickup_area.in_(list(filters.pickup_areas)))
    return conditions


def _order(sort: Sort) -> list[Any]:
    newest = [Listing.published_at.desc().nulls_last(), Listing.id.desc()]
    if sort == Sort.PRICE_ASC:
        return [Listing.price_cents.asc().nulls_last(), *newest]
    if sort == Sort.PRICE_DESC:
        return [Listing.price_cents.desc().nulls_last(), *newest]
    return newest  # relevance without words: the newest first, as the index does


async def _counts(session: AsyncSession, query: Query, column: Any) -> dict[str, int]:
    """Counts per value of ``column`` among the listings found (as the index counts them)."""
    rows = (
        await session.execute(
            select(column, func.count()).where(*_conditions(query, query.filters)).group_by(column)
        )
    ).all()
    return {str(value.value if hasattr(value, "value") else value): int(count) for value, count in rows}


async def _category_counts(session: AsyncSession, query: Query) -> dict[str, int]:
    """Per category, and per parent category for its children's listings (as ``category_ids``)."""
    filters = query.filters
    rows = (
        await session.execute(
            select(Category.id, Category.parent_id, func.count())
            .join(Listing, Listing.category_id == Category.id)
            .where(*_conditions(query, filters))
            .group_by(Category.id, Category.parent_id)
        )
    ).all()
    counts: dict[str, int] = {}
    for category_id, parent_id, count in rows:
        for key in (category_id, parent_id):
            if key is not None:
                counts[str(key)] = counts.get(str(key), 0) + int(count)
    return counts


async def database_result(session: AsyncSession, query: Query) -> Result:
    """The page of ``query`` (no words) from the database, as the index would give it."""
    started = time.perf_counter()
    if not query.community_ids:
        return Result(hits=[], total=0, facets={}, took_ms=0.0)
    conditions = _conditions(query, query.filters)
    total = int(await session.scalar(select(func.count()).select_from(Listing).where(*conditions)) or 0)
    statement = (
        select(Listing)
        .where(*conditions)
        .order_by(*_order(query.sort))
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    )
    listings = list((await session.scalars(statement)).unique())
    covers = await covers_of(session, [listing.id for listing in listings])
    hits = []
    for listing in listings:
        document = listing_document(listing, covers.get(listing.id))
        description = listing.description[:SNIPPET_LENGTH] + (
            "…" if len(listing.description) > SNIPPET_LENGTH else ""
        )
        hits.append(Hit(str(listing.id), document, html.escape(listing.title), html.escape(description)))
    facets: dict[str, dict[str, int]] = {}
    if Facet.KIND in query.facets:
        facets[Facet.KIND.value] = await _counts(session, query, Listing.kind)
    if Facet.CATEGORY in query.facets:
        facets[Facet.CATEGORY.value] = await _category_counts(session, query)
    if Facet.AREA in query.facets:
        facets[Facet.AREA.value] = {
            key: count for key, count in (await _counts(session, query, Listing.pickup_area)).items() if key
        }
    return Result(hits=hits, total=total, facets=facets, took_ms=(time.perf_counter() - started) * 1000)
