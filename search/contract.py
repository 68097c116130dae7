"""The index contract: what the app hands to a search backend and what it gets back.

Both backends (Meilisearch, embedded) implement :class:`SearchIndex` and behave alike on the
evaluation set. Documents are flat JSON objects with string ids (``marketplace.indexing.documents``
builds them); queries and results are typed values, so that neither side guesses the other's shape.
"""

from __future__ import annotations

import enum
import math
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Document = Mapping[str, Any]
"""One listing as the index holds it: ``id`` (str), ``community_id``, ``category_ids``, ``kind``,
``status``, ``title``, ``description``, ``price`` (euros or None), ``condition``, the attribute keys
(``size``, ``shoe_size``, ``gender``, ``brand``, ``season``), ``pickup_area``, ``published_at``
(Unix seconds) and display fields (``ref``, ``community``, ``category``, ``category_id``, ``cover``)."""

DEFAULT_STATUSES: tuple[str, ...] = ("available", "reserved")
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
"""Meilisearch stops counting at 10,000 hits (``pagination.maxTotalHits``): no page lies beyond."""
MAX_FILTER_VALUES = 1_000


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


class Facet(enum.StrEnum):
    """The filters whose values a result may count; each is the document field of that name."""

    COMMUNITY = "community_id"
    CATEGORY = "category_ids"
    KIND = "kind"
    SIZE = "size"
    SHOE_SIZE = "shoe_size"
    CONDITION = "condition"
    GENDER = "gender"
    AREA = "pickup_area"


@dataclass(frozen=True)
class Filters:
    """Every filter narrows: values of one filter are alternatives (OR), filters combine (AND).

    An empty tuple means "any". ``category_ids`` matches a listing whose category or parent is one
    of them (documents carry both in ``category_ids``)."""

    category_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    min_price: float | None = None
    max_price: float | None = None
    sizes: tuple[str, ...] = ()
    shoe_sizes: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    pickup_areas: tuple[str, ...] = ()
    # Only these listings (their ids): what a saved search or a repost check asks of the listings
    # that just changed, through the same engine and scope as the search page.
    listing_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    """A reader's search. ``community_ids`` is mandatory: the communities the reader may see
    (already intersected with any community the reader asked for). Empty means no hit at all."""

    text: str
    community_ids: tuple[str, ...]
    filters: Filters = field(default_factory=Filters)
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    per_page: int = 20
    facets: tuple[Facet, ...] = ()


@dataclass(frozen=True)
class Hit:
    """One found document, with ``title`` and ``description`` snippets as HTML: the text escaped,
    matched words wrapped in ``<mark>`` (nothing else unescaped)."""

    id: str
    document: Document
    title_html: str
    description_html: str


@dataclass(frozen=True)
class Result:
    hits: list[Hit]
    total: int  # estimated when the backend estimates (Meilisearch's estimatedTotalHits)
    facets: dict[str, dict[str, int]]  # Facet value -> {field value: count}, for the facets asked
    took_ms: float


@dataclass(frozen=True)
class Health:
    available: bool
    documents: int | None = None  # None when unavailable
    detail: str = ""


class InvalidQuery(ValueError):
    """A query no reader could mean: a page out of range, too many hits per page, a filter value
    that is not text, a price that is not a number. The app answers 400 (it should have refused
    such input itself); both backends raise it, from :func:`check`, before doing any work."""


class SearchUnavailable(Exception):
    """The backend cannot answer now (server down, timeout): try again later; nothing is lost."""


ProgressCallback = Callable[[int], None]
"""Called with the number of documents written so far during a rebuild."""


@runtime_checkable
class SearchIndex(Protocol):
    """What every backend does. Every method may raise :class:`SearchUnavailable`."""

    async def ensure_settings(self) -> None:
        """Create the index if needed and apply the settings of ``search/data`` (idempotent)."""

    async def upsert(self, documents: Sequence[Document]) -> None:
        """Write these documents, replacing any with the same id; done when it returns."""

    async def delete(self, ids: Sequence[str]) -> None:
        """Remove these ids; an id that is not there is not an error."""

    async def search(self, query: Query) -> Result:
        """The page of hits for ``query``, within ``query.community_ids`` only."""

    async def rebuild(
        self, batches: AsyncIterator[Sequence[Document]], progress: ProgressCallback | None = None
    ) -> int:
        """Build a new index from ``batches`` and swap it in at once; answers the document count.

        Searches keep answering from the old index until the swap."""

    async def health(self) -> Health:
        """Whether the backend answers, and how many documents it holds."""

    async def close(self) -> None:
        """Release connections, threads and files."""


# --- Validation shared by the backends ----------------------------------------------------


def _texts(name: str, values: object) -> None:
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, tuple | list):
        raise InvalidQuery(f"{name}: a list of values")
    if len(values) > MAX_FILTER_VALUES:
        raise InvalidQuery(f"{name}: at most {MAX_FILTER_VALUES} values")
    for value in values:
        if not isinstance(value, str):
            raise InvalidQuery(f"{name}: values are strings")
        _encodable(name, value)


def _encodable(name: str, value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate: no backend can store or send it
        raise InvalidQuery(f"{name}: not valid text") from error


def _number(name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidQuery(f"{name}: not a number")


def _bounded(name: str, value: object, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise InvalidQuery(f"{name}: from 1 to {high}")


def check(query: Query) -> None:
    """Raise :class:`InvalidQuery` for a query no reader could mean; every backend calls it first,
    so that a query one backend refuses is refused by the other (none silently clamps)."""
    if not isinstance(query.text, str):
        raise InvalidQuery("text: a string")
    _encodable("text", query.text)
    _bounded("page", query.page, MAX_PAGE)
    _bounded("per_page", query.per_page, MAX_PER_PAGE)
    try:
        Sort(query.sort)
        for facet in query.facets:
            Facet(facet)
    except ValueError as error:
        raise InvalidQuery(str(error)) from error
    _texts("community_ids", query.community_ids)
    filters = query.filters
    for name in (
        "category_ids",
        "kinds",
        "statuses",
        "sizes",
        "shoe_sizes",
        "conditions",
        "genders",
        "pickup_areas",
        "listing_ids",
    ):
        _texts(name, getattr(filters, name))
    _number("min_price", filters.min_price)
    _number("max_price", filters.max_price)
