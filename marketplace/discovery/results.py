"""The index's answer as readers see it: hits with display fields, facets named as the API's
parameters (communities by slug, categories by id with their names)."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.discovery.queries import FACET_NAMES, Scope, category_names
from marketplace.listings.models import ListingKind
from search.contract import Facet, Hit, Result


class CategoryOut(msgspec.Struct):
    id: str
    name: str


class SearchHit(msgspec.Struct):
    """One listing found; ``title_html`` and ``description_html`` are the text escaped, with the
    matched words in ``<mark>`` (the only markup)."""

    id: str
    ref: str | None
    title: str
    title_html: str
    description_html: str
    kind: ListingKind
    price: float | None
    status: str
    community: str
    category: CategoryOut
    pickup_area: str
    attributes: dict[str, str]
    thumb: str | None
    created_at: datetime.datetime | None


class SearchResults(msgspec.Struct):
    """A page of hits, the (estimated) total, the counts per filter value, the time taken."""

    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]
    took_ms: float


def _created_at(value: Any) -> datetime.datetime | None:
    if isinstance(value, str) and value:
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def hit_out(hit: Hit) -> SearchHit:
    document = hit.document
    attributes = document.get("attributes") or {}
    return SearchHit(
        id=hit.id,
        ref=document.get("ref"),
        title=str(document.get("title") or ""),
        title_html=hit.title_html,
        description_html=hit.description_html,
        kind=ListingKind(str(document.get("kind"))),
        price=document.get("price"),
        status=str(document.get("status") or ""),
        community=str(document.get("community") or ""),
        category=CategoryOut(
            id=str(document.get("category_id") or ""), name=str(document.get("category") or "")
        ),
        pickup_area=str(document.get("pickup_area") or ""),
        attributes={str(key): str(value) for key, value in attributes.items()},
        thumb=document.get("cover"),
        created_at=_created_at(document.get("created_at")),
    )


async def named_facets(session: AsyncSession, result: Result, scope: Scope) -> dict[str, dict[str, int]]:
    """Facet counts keyed by the API's parameter names; communities by slug, outside the scope dropped."""
    facets: dict[str, dict[str, int]] = {}
    for facet, counts in result.facets.items():
        name = FACET_NAMES.get(Facet(facet))
        if name is None:
            continue
        if facet == Facet.COMMUNITY:
            facets[name] = {
                slug: count for key, count in counts.items() if (slug := scope.slug_of(key)) is not None
            }
        else:
            facets[name] = {str(key): int(count) for key, count in counts.items() if count}
    return facets


async def results_out(
    session: AsyncSession, result: Result, scope: Scope, page: int, per_page: int
) -> SearchResults:
    return SearchResults(
        hits=[hit_out(hit) for hit in result.hits],
        total=result.total,
        page=page,
        per_page=per_page,
        facets=await named_facets(session, result, scope),
        took_ms=round(result.took_ms, 2),
    )


async def facet_labels(session: AsyncSession, facets: dict[str, dict[str, int]]) -> dict[str, str]:
    """Names of the categories a facet counts (the page shows names, the URL ids)."""
    return await category_names(session, list(facets.get("category", {})))
