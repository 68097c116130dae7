"""The search pages: across the reader's groups (``/recherche``), inside one group
(``/communities/{slug}/recherche``), and the suggestions beside the posting form.

Every state of the page is in its URL (a GET form: shareable, the back button works). Without
JavaScript the form submits; with htmx the results (with their filters, whose counts follow the
results) are swapped as the reader types, debounced, and the URL follows.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.exceptions import ValidationException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.communities.attributes import CONDITIONS, SHOE_SIZE_SCALE, SIZE_SCALE, value_label
from marketplace.communities.dependencies import provide_communities
from marketplace.communities.models import Community
from marketplace.communities.service import CommunityService
from marketplace.communities.visibility import may_read_community
from marketplace.discovery.api import index_of, run_search
from marketplace.discovery.browse import answers, database_result, index_is_behind
from marketplace.discovery.queries import (
    SUGGESTION_MIN_LENGTH,
    FindableStatus,
    SearchParams,
    build_query,
    title_words,
)
from marketplace.discovery.results import SearchHit, SearchResults, facet_labels, results_out
from marketplace.listings.models import ListingKind
from marketplace.photos.display import PhotoView
from marketplace.photos.service import covers_of
from marketplace.web.formats import money
from marketplace.web.i18n import N_
from marketplace.web.i18n import gettext as _
from marketplace.web.labels import kind_label
from marketplace.web.pagination import Page
from marketplace.web.templating import is_htmx, render
from search.contract import SearchUnavailable, Sort

PER_PAGE = 24
SUGGESTIONS = 5
SEARCH_PATH = "/recherche"

SORT_LABELS = {
    Sort.RELEVANCE: N_("Pertinence"),
    Sort.NEWEST: N_("Plus récentes"),
    Sort.PRICE_ASC: N_("Prix croissant"),
    Sort.PRICE_DESC: N_("Prix décroissant"),
}
# The filters of the page, in the order they show, with their titles.
FILTER_TITLES = {
    "community": N_("Groupe"),
    "category": N_("Catégorie"),
    "kind": N_("Type"),
    "size": N_("Taille"),
    "shoe_size": N_("Pointure"),
    "condition": N_("État"),
    "gender": N_("Genre"),
    "area": N_("Quartier"),
}
# htmx targets that get the results alone ("results": the group page's former list).
RESULT_TARGETS = ("search-results", "results")
# Repeatable parameters of the URL (the same names as the API's).
_LISTS = ("community", "category", "kind", "size", "shoe_size", "condition", "gender", "area", "status")


def _floats(raw: str) -> float | None:
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as error:
        raise ValidationException(detail=_("Le prix doit être un nombre.")) from error


def _int(raw: str, default: int) -> int:
    try:
        return int(raw) if raw.strip() else default
    except ValueError:
        return default


def params_from(
    request: Request[Any, Any, Any], community: str | None = None
) -> tuple[SearchParams, dict[str, Any]]:
    """The page's parameters (lenient where a stale link may be: unknown ids and page numbers)
    and the same as the URL holds them, for the form and the links."""
    query = request.query_params
    values: dict[str, list[str]] = {key: [item for item in query.getall(key, []) if item] for key in _LISTS}
    if community is not None:
        values["community"] = [community]
    categories = []
    for value in values["category"]:
        try:
            categories.append(uuid.UUID(value))
        except ValueError:
            continue
    kinds = [ListingKind(value) for value in values["kind"] if value in ListingKind._value2member_map_]
    statuses = [
        FindableStatus(value) for value in values["status"] if value in FindableStatus._value2member_map_
    ]
    sort_raw = query.get("sort") or ""
    sort = Sort(sort_raw) if sort_raw in Sort._value2member_map_ else Sort.RELEVANCE
    params = SearchParams(
        q=query.get("q") or "",
        communities=values["community"],
        categories=categories,
        kinds=kinds,
        min_price=_floats(query.get("min_price") or ""),
        max_price=_floats(query.get("max_price") or ""),
        sizes=values["size"],
        shoe_sizes=values["shoe_size"],
        conditions=values["condition"],
        genders=values["gender"],
        areas=values["area"],
        statuses=statuses,
        sort=sort,
        page=max(1, _int(query.get("page") or "", 1)),
        per_page=PER_PAGE,
    )
    state: dict[str, Any] = {key: values[key] for key in _LISTS}
    state.update(
        q=params.q,
        min_price=query.get("min_price") or "",
        max_price=query.get("max_price") or "",
        sort=sort.value,
    )
    return params, state


def url_of(path: str, state: dict[str, Any], **changes: Any) -> str:
    """The page's URL for ``state`` with ``changes`` (``page`` among them), empty values left out."""
    merged = {**state, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if key == "sort" and value == Sort.RELEVANCE.value:
            continue
        if key == "page" and str(value) == "1":
            continue
        for item in value if isinstance(value, list) else [value]:
            if item not in ("", None):
                pairs.append((key, str(item)))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def hit_price(hit: SearchHit) -> str:
    """ "Gratuit" for a gift (or a sale at 0), the price of a sale, nothing otherwise."""
    if hit.kind == ListingKind.GIVE:
        return _("Gratuit")
    if hit.kind == ListingKind.SELL and hit.price is not None:
        return money(round(hit.price * 100))
    return ""


def hit_sizes(hit: SearchHit) -> str:
    parts = []
    if hit.attributes.get("size"):
        parts.append(value_label(hit.attributes["size"]))
    if hit.attributes.get("shoe_size"):
        parts.append(_("pointure %(size)s", size=hit.attributes["shoe_size"]))
    return " · ".join(parts)


def _value_label(name: str, value: str, labels: dict[str, str], scope_names: dict[str, str]) -> str:
    if name == "community":
        return scope_names.get(value, value)
    if name == "category":
        return labels.get(value, value)
    if name == "kind":
        return kind_label(value) if value in ListingKind._value2member_map_ else value
    if name == "condition":
        return _(CONDITIONS[value]) if value in CONDITIONS else value
    if name in ("size", "gender"):
        return value_label(value)
    if name == "shoe_size":
        return _("pointure %(size)s", size=value)
    return value


_SCALES = {"size": SIZE_SCALE, "shoe_size": SHOE_SIZE_SCALE}


def filter_groups(
    facets: dict[str, dict[str, int]],
    state: dict[str, Any],
    labels: dict[str, str],
    scope_names: dict[str, str],
) -> list[dict[str, Any]]:
    """The filters with their values and live counts; a chosen value stays listed even at 0."""
    groups = []
    for name, title in FILTER_TITLES.items():
        counts = dict(facets.get(name, {}))
        for chosen in state.get(name, []):
            counts.setdefault(chosen, 0)
        if not counts:
            continue
        scale = _SCALES.get(name)
        if scale is not None:
            order = {value: position for position, value in enumerate(scale)}
            keys = sorted(counts, key=lambda value: (order.get(value, len(order)), value))
        else:
            keys = sorted(
                counts, key=lambda value: (-counts[value], _value_label(name, value, labels, scope_names))
            )
        groups.append(
            {
                "name": name,
                "title": _(title),
                "options": [
                    {
                        "value": value,
                        "label": _value_label(name, value, labels, scope_names),
                        "count": counts[value],
                        "checked": value in state.get(name, []),
                    }
                    for value in keys
                ],
            }
        )
    return groups


def filter_chips(path: str, state: dict[str, Any], groups: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The chosen filters, each with the URL of the same search without it (shown above the hits)."""
    chips = []
    for group in groups:
        for option in group["options"]:
            if option["checked"]:
                others = [value for value in state[group["name"]] if value != option["value"]]
                chips.append((option["label"], url_of(path, state, **{group["name"]: others})))
    if state["min_price"]:
        chips.append((_("dès %(price)s €", price=state["min_price"]), url_of(path, state, min_price="")))
    if state["max_price"]:
        chips.append((_("jusqu'à %(price)s €", price=state["max_price"]), url_of(path, state, max_price="")))
    return chips


async def hit_covers(session: AsyncSession, hits: list[SearchHit]) -> dict[str, PhotoView]:
    """The covers of the hits, drawn from their three variants (one query for the page). The hits
    were read through the visibility rule, so their photos may be shown."""
    titles = {hit.id: hit.title for hit in hits}
    covers = await covers_of(session, [uuid.UUID(hit.id) for hit in hits])
    return {str(key): PhotoView.of(photo, titles[str(key)]) for key, photo in covers.items()}


async def search_context(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    session: AsyncSession,
    path: str,
    community: Community | None,
) -> tuple[dict[str, Any], int]:
    params, state = params_from(request, community.slug if community else None)
    if community is not None:  # the group is in the path: no filter, no parameter for it
        state["community"] = []
    context: dict[str, Any] = {
        "state": state,
        "path": path,
        "community": community,
        "sort_options": [(sort.value, _(label)) for sort, label in SORT_LABELS.items()],
        "results": None,
        "unavailable": False,
        "error": "",
        "groups": [],
        "hit_price": hit_price,
        "hit_sizes": hit_sizes,
        "hit_photo_id": hit_photo_id,
        "wanted_url": "/listings/new?" + urlencode({"kind": "wanted", "title": params.q[:120]}),
    }
    status = 200
    # A group's listings without words: the database answers them exactly when the index
    # cannot, or has not yet seen the latest changes (see discovery/browse.py).
    database_answers = community is not None and answers(params)
    try:
        query, scope = await build_query(session, viewer, params)
        if database_answers and await index_is_behind(session):
            result = await database_result(session, query)
        else:
            result = await run_search(index_of(request), query)
    except ValidationException as error:
        context["error"] = str(error.detail)
        return context, 400
    except SearchUnavailable:
        if not database_answers:
            context["unavailable"] = True
            return context, 503
        result = await database_result(session, query)
    results: SearchResults = await results_out(session, result, scope, query.page, query.per_page)
    context["covers"] = await hit_covers(session, results.hits)
    labels = await facet_labels(session, results.facets)
    scope_names = {item.slug: item.name for item in scope.readable.values()}
    if community is not None:
        results.facets.pop("community", None)
    groups = filter_groups(results.facets, state, labels, scope_names)
    context.update(
        results=results,
        chips=filter_chips(path, state, groups),
        groups=groups,
        paging=Page(items=[], total=results.total, page=results.page, per_page=results.per_page),
        base_url=url_of(path, state) + ("&" if "?" in url_of(path, state) else "?"),
    )
    return context, status


async def before_posting_context(
    request: Request[Any, Any, Any], viewer: Viewer, session: AsyncSession, title: str, kind: str
) -> dict[str, Any]:
    """The suggestions beside the posting form for ``title``: available offers matching a
    wanted ("Déjà proposé dans le quartier"), available wanted listings matching an offer ("Des
    voisins cherchent ça"), in every group the member may read."""
    wanted = kind == ListingKind.WANTED.value
    kinds = [ListingKind.GIVE, ListingKind.SWAP, ListingKind.SELL] if wanted else [ListingKind.WANTED]
    hits: list[SearchHit] = []
    unavailable = False
    text = title_words(title)
    searched = len(text) >= SUGGESTION_MIN_LENGTH
    if searched:
        params = SearchParams(q=text, kinds=kinds, statuses=[FindableStatus.AVAILABLE], per_page=SUGGESTIONS)
        try:
            query, scope = await build_query(session, viewer, params, facets=())
            result = await run_search(index_of(request), query)
            hits = (await results_out(session, result, scope, 1, SUGGESTIONS)).hits
        except ValidationException:
            hits = []
        except SearchUnavailable:
            unavailable = True
    return {
        "hits": hits,
        "hit_price": hit_price,
        "wanted": wanted,
        "unavailable": unavailable,
        "searched": searched,
        "search_url": url_of(SEARCH_PATH, {"q": text, "kind": [str(kind) for kind in kinds]}),
    }


def render_search(
    request: Request[Any, Any, Any], page: str, context: dict[str, Any], status: int
) -> Template:
    """The whole page, or the results alone for htmx (the filters' counts follow them)."""
    if is_htmx(request) and request.headers.get("hx-target") in RESULT_TARGETS:
        partial = render("discovery/_results.html", status_code=status, **context)
        # The address bar gets the page's own URL (empty fields and defaults left out), not the
        # form's raw query: that is the URL people share.
        number = max(1, _int(request.query_params.get("page") or "", 1))
        partial.headers["HX-Push-Url"] = url_of(context["path"], context["state"], page=number)
        return partial
    return render(page, status_code=status, **context)


def hit_photo_id(hit: SearchHit) -> str:
    """The cover photo's id, from its URL (``/photos/{id}/thumb/...``)."""
    parts = (hit.thumb or "").split("/")
    return parts[2] if len(parts) > 2 else ""


async def community_page_context(
    request: Request[Any, Any, Any], viewer: Viewer, session: AsyncSession, community: Community
) -> tuple[dict[str, Any], int]:
    """A group's own page: its listings through the search, the group preselected."""
    return await search_context(request, viewer, session, f"/communities/{community.slug}", community)


class SearchPages(Controller):
    include_in_schema = False

    @get(SEARCH_PATH, name="search")
    async def search(
        self, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Template:
        """Search across every group the reader may read."""
        context, status = await search_context(request, viewer, db_session, SEARCH_PATH, None)
        return self._render(request, context, status)

    @get(
        "/communities/{slug:str}/recherche",
        name="community-search",
        dependencies={"communities": provide_communities},
    )
    async def community_search(
        self,
        slug: str,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        communities: CommunityService,
    ) -> Template | Redirect:
        """The same search inside one group (a group the reader may not read: its about page)."""
        community = await communities.by_slug(slug)
        if not await may_read_community(db_session, viewer, community):
            return Redirect(f"/communities/{community.slug}/about")
        path = f"/communities/{community.slug}/recherche"
        context, status = await search_context(request, viewer, db_session, path, community)
        return self._render(request, context, status)

    def _render(self, request: Request[Any, Any, Any], context: dict[str, Any], status: int) -> Template:
        return render_search(request, "discovery/search.html", context, status)

    @get("/recherche/avant-publication", name="search-before-posting")
    async def before_posting(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        title: str = "",
        kind: str = "",
    ) -> Template:
        """What already matches a listing being written: offers for a wanted, wanted for an offer
        (an htmx partial beside the posting form)."""
        context = await before_posting_context(request, viewer, db_session, title, kind)
        return render("discovery/_before_posting.html", **context)
