"""``GET /api/v1/search``: full-text search with filters, facets and sorts, within what the
reader may see (anonymous readers: the public groups)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import ServiceUnavailableException, ValidationException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.discovery.queries import DEFAULT_PER_PAGE, FindableStatus, SearchParams, build_query
from marketplace.discovery.results import SearchResults, results_out
from marketplace.indexing.index import INDEX_STATE_KEY
from marketplace.listings.models import ListingKind
from marketplace.web.i18n import gettext as _
from marketplace.web.openapi import errors
from search.contract import InvalidQuery, Query, Result, SearchIndex, SearchUnavailable, Sort

# Seconds a client should wait before searching again when the index does not answer.
RETRY_AFTER_SEARCH = 5


def index_of(request: Request[Any, Any, Any]) -> SearchIndex:
    index: SearchIndex = request.app.state[INDEX_STATE_KEY]
    return index


def search_unavailable() -> ServiceUnavailableException:
    return ServiceUnavailableException(
        detail=_("La recherche est momentanément indisponible. Réessayez dans quelques instants."),
        headers={"Retry-After": str(RETRY_AFTER_SEARCH)},
    )


async def run_search(index: SearchIndex, query: Query) -> Result:
    """The index's answer; ``SearchUnavailable`` when it is down (the caller says so to the reader)."""
    if not query.community_ids:  # nothing the reader may see: no need to ask
        return Result(hits=[], total=0, facets={facet.value: {} for facet in query.facets}, took_ms=0.0)
    try:
        return await index.search(query)
    except InvalidQuery as error:  # what build_query did not refuse already: still the reader's
        raise ValidationException(detail=_("La recherche demandée est invalide.")) from error


class SearchApi(Controller):
    path = "/api/v1/search"
    tags = ("search",)

    @get("/", operation_id="searchListings", responses=errors(400, 401, 503))
    async def search(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        q: str = "",
        community: list[str] | None = Parameter(default=None, description="Group slug (repeatable)."),
        category: list[uuid.UUID] | None = Parameter(
            default=None, description="Category id (repeatable); a parent includes its sub-categories."
        ),
        kind: list[ListingKind] | None = None,
        min_price: float | None = Parameter(default=None, description="Euros."),
        max_price: float | None = Parameter(default=None, description="Euros."),
        size: list[str] | None = None,
        shoe_size: list[str] | None = None,
        condition: list[str] | None = None,
        gender: list[str] | None = None,
        area: list[str] | None = Parameter(default=None, description="Pickup area (repeatable)."),
        status: list[FindableStatus] | None = Parameter(
            default=None, description="Default: available and reserved."
        ),
        sort: Sort = Sort.RELEVANCE,
        page: int = 1,
        per_page: int = Parameter(default=DEFAULT_PER_PAGE, le=100),
    ) -> SearchResults:
        """Listings matching ``q`` (typos, accents and plurals forgiven) and the filters, with
        highlighted snippets and counts per filter value. Only the groups the reader may read are
        searched: a ``community`` the reader may not read narrows to nothing."""
        params = SearchParams(
            q=q,
            communities=community or (),
            categories=category or (),
            kinds=kind or (),
            min_price=min_price,
            max_price=max_price,
            sizes=size or (),
            shoe_sizes=shoe_size or (),
            conditions=condition or (),
            genders=gender or (),
            areas=area or (),
            statuses=status or (),
            sort=sort,
            page=page,
            per_page=per_page,
        )
        query, scope = await build_query(db_session, viewer, params)
        try:
            result = await run_search(index_of(request), query)
        except SearchUnavailable as error:
            raise search_unavailable() from error
        return await results_out(db_session, result, scope, query.page, query.per_page)
