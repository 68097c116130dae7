"""The index contract: what the app hands to a search backend and what it gets back.

Both backends (Meilisearch, embedded) implement :class:`SearchIndex` and behave alike on the
evaluation set. Documents are flat JSON objects with string ids (``marketplace.indexing.documents``
builds them); queries and results are typed values, so that neither side guesses the other's shape.
"""

from __future__ import annotations

import enum
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
