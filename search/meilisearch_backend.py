"""The Meilisearch backend of the search contract, on the official (sync) client.

Every client call runs in a worker thread (``anyio.to_thread.run_sync``). Writes wait for their
task, so that an upsert is searchable when it returns. Filter values are always quoted and
escaped (:func:`filter_expression`); the reader's communities are always ANDed in. Documents get
a normalised copy of each searchable field (``<field>_norm``, ``search.language``), and only
those copies are searched, with queries normalised the same way: abbreviations, sizes and
elisions match as on the embedded backend.

Parity with the embedded backend, rule by rule:

- a query is validated by ``search.contract.check`` (``InvalidQuery``), never clamped;
- every word must match (``matchingStrategy: all``); when nothing matches, the last words are
  dropped one by one, as the embedded backend does, so totals and facet counts agree;
- a listing without a price (gift, swap, wanted) sorts and filters as 0 € (``price_or_zero``);
- the ranking rules put ``sort`` right after ``typo``: a price or date sort orders the exact
  matches, then the typo matches, as the embedded backend does;
- highlights are drawn by ``search.highlight`` from the normalised terms Meilisearch reports as
  matched (``showMatchesPosition``), so both backends mark the same words in the same snippets.
"""

from __future__ import annotations

import functools
import math
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

import anyio.to_thread
import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from search.contract import (
    Document,
    Facet,
    Health,
    Hit,
    ProgressCallback,
    Query,
    Result,
    SearchUnavailable,
    Sort,
    check,
)
from search.embedded_writes import attributes_text
from search.highlight import Matcher, highlight, snippet
from search.language import MAX_QUERY_CHARS, meilisearch_settings, normalise_text, title_head

T = TypeVar("T")

_TASK_TIMEOUT_MS = 60_000
MAX_FILTER_VALUE_CHARS = 500
"""Meilisearch cuts facet values to a few hundred bytes, so a longer filter value matches no
document there: it is left out of the expression rather than sent (see :func:`_any_of`)."""
PRICE = "price_or_zero"
"""The price as sorted and filtered: a listing without one (a gift, a wanted) counts as 0 €."""
# Fields only the index reads: taken out of the documents that come back.
_INDEX_ONLY = ("title_head", "attributes_text", PRICE)
_FINISHED = re.compile(r"[^\w]$|_$")

_SORTS: dict[Sort, list[str]] = {
    Sort.RELEVANCE: [],
    Sort.NEWEST: ["published_at:desc"],
    Sort.PRICE_ASC: [f"{PRICE}:asc"],
    Sort.PRICE_DESC: [f"{PRICE}:desc"],
}
_STRING_FILTERS: tuple[tuple[str, str], ...] = (
    ("category_ids", "category_ids"),
    ("kinds", "kind"),
    ("statuses", "status"),
    ("sizes", "size"),
    ("shoe_sizes", "shoe_size"),
    ("conditions", "condition"),
    ("genders", "gender"),
    ("pickup_areas", "pickup_area"),
    ("listing_ids", "id"),
)


def quote(value: str) -> str:
    """``value`` as a Meilisearch filter string literal: double-quoted, backslashes and quotes
    escaped, NUL removed (Meilisearch rejects it), so that no value can change the expression."""
    if not isinstance(value, str):
        raise ValueError("filter values are strings")
    if len(value) > MAX_FILTER_VALUE_CHARS:
        raise ValueError("filter value too long")
    cleaned = value.replace("\x00", "")
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _any_of(field: str, values: Sequence[str]) -> str:
    kept = [quote(value) for value in values if len(value) <= MAX_FILTER_VALUE_CHARS]
    if not kept:  # only values no document can hold: a condition that is never true
        return f'({field} = "" AND {field} NOT EXISTS)'
    return f"{field} IN [{', '.join(kept)}]"


def _price(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("price: not a number")
    return float(value)


def filter_expression(query: Query) -> list[str]:
    """The Meilisearch filter of ``query``: a list of conditions Meilisearch ANDs, the first
    always the reader's communities (no community: a filter that matches nothing)."""
    communities = tuple(query.community_ids)
    conditions = [_any_of("community_id", communities) if communities else 'community_id = ""']
    if not communities:
        conditions.append("community_id NOT EXISTS")  # with the line above: never true
    for attribute, field in _STRING_FILTERS:
        values = getattr(query.filters, attribute)
        if isinstance(values, str):
            values = (values,)
        if values:
            conditions.append(_any_of(field, tuple(values)))
    # A free listing (no price) counts as 0 €, as on the embedded backend.
    minimum, maximum = _price(query.filters.min_price), _price(query.filters.max_price)
    if minimum is not None:
        conditions.append(f"{PRICE} >= {minimum!r}")
    if maximum is not None:
        conditions.append(f"{PRICE} <= {maximum!r}")
    return conditions


@functools.cache
def _settings() -> dict[str, Any]:
    settings = meilisearch_settings()
    # Only the normalised copies are searched: the query is normalised the same way, and the raw
    # text tokenized by Meilisearch's own rules would match differently from the embedded index.
    settings["searchableAttributes"] = [f"{attribute}_norm" for attribute in settings["searchableAttributes"]]
    return settings


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(_text(item) for item in value)
    return str(value)


@functools.cache
def _searched_fields() -> tuple[str, ...]:
    """The document fields whose normalised copies are searched, in rank order."""
    return tuple(meilisearch_settings()["searchableAttributes"])


def _price_or_zero(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return 0.0
    try:
        price = float(value)
    except (TypeError, ValueError):
        return 0.0
    return price if math.isfinite(price) else 0.0


def matched_terms(raw: dict[str, Any]) -> frozenset[str]:
    """The normalised words of a hit that Meilisearch matched (from ``_matchesPosition`` on the
    ``_norm`` fields, whose words are separated by single spaces): each match widened to its
    whole word, since a prefix or a typo matches part of one."""
    terms: set[str] = set()
    for field, spans in (raw.get("_matchesPosition") or {}).items():
        text = raw.get(field)
        if not field.endswith("_norm") or not isinstance(text, str):
            continue
        data = text.encode("utf-8")  # Meilisearch counts positions in bytes
        for span in spans:
            start = int(span.get("start", 0))
            end = start + int(span.get("length", 0))
            first = data.rfind(b" ", 0, start) + 1
            last = data.find(b" ", end)
            word = data[first : len(data) if last < 0 else last].decode("utf-8", "ignore")
            if word:
                terms.add(word)
    return frozenset(terms)


def indexed(document: Document) -> dict[str, Any]:
    """``document`` with the extra searchable fields Meilisearch indexes."""
    out = dict(document)
    out["id"] = str(document["id"])
    out["title_head"] = title_head(_text(document.get("title")))
    out["attributes_text"] = attributes_text(document)
    out[PRICE] = _price_or_zero(document.get("price"))
    for attribute in _searched_fields():
        out[f"{attribute}_norm"] = normalise_text(_text(out.get(attribute)), document=True)
    return out


class MeilisearchIndex:
    """The contract on one Meilisearch index ``uid`` (rebuilds swap a fresh index into it)."""

    def __init__(self, url: str, api_key: str | None, uid: str = "listings", timeout: float = 5.0) -> None:
        self.uid = uid
        self._client = meilisearch.Client(url, api_key, timeout=math.ceil(timeout))
        self._settings_applied = False

    async def _call(self, function: Callable[[], T]) -> T:
        try:
            return await anyio.to_thread.run_sync(function)
        except (MeilisearchCommunicationError, MeilisearchTimeoutError) as error:
            raise SearchUnavailable(str(error)) from error
        except MeilisearchApiError as error:
            if error.status_code >= 500:
                raise SearchUnavailable(str(error)) from error
            raise

    def _wait(self, task_uid: int) -> None:
        task = self._client.wait_for_task(task_uid, timeout_in_ms=_TASK_TIMEOUT_MS)
        if task.status != "succeeded":
            raise SearchUnavailable(f"Meilisearch task {task_uid} {task.status}: {task.error}")

    def _add(self, uid: str, documents: list[dict[str, Any]]) -> None:
        self._wait(self._client.index(uid).add_documents(documents, "id").task_uid)

    def _apply_settings(self, uid: str) -> None:
        try:
            self._client.get_index(uid)
        except MeilisearchApiError as error:
            if error.code != "index_not_found":
                raise
            self._wait(self._client.create_index(uid, {"primaryKey": "id"}).task_uid)
        self._wait(self._client.index(uid).update_settings(_settings()).task_uid)

    async def ensure_settings(self) -> None:
        """Create the index if needed and apply the settings of ``search/data``."""
        await self._call(lambda: self._apply_settings(self.uid))
        self._settings_applied = True

    async def _ready(self) -> None:
        if not self._settings_applied:
            await self.ensure_settings()

    async def upsert(self, documents: Sequence[Document]) -> None:
        """Write these documents; done (searchable) when it returns."""
        if not documents:
            return
        await self._ready()
        batch = [indexed(document) for document in documents]
        await self._call(lambda: self._wait(self._client.index(self.uid).add_documents(batch, "id").task_uid))

    async def delete(self, ids: Sequence[str]) -> None:
        """Remove these ids; a missing id is no error."""
        if not ids:
            return
        await self._ready()
        keys = [str(item) for item in ids]
        await self._call(lambda: self._wait(self._client.index(self.uid).delete_documents(keys).task_uid))

    def _parameters(self, query: Query) -> dict[str, Any]:
        parameters: dict[str, Any] = {
            "filter": filter_expression(query),
            "page": query.page,
            "hitsPerPage": query.per_page,
            "matchingStrategy": "all",
            "showMatchesPosition": True,
            "attributesToRetrieve": ["*"],
            "locales": ["fra"],
        }
        if query.facets:
            parameters["facets"] = [Facet(facet).value for facet in query.facets]
        sort = _SORTS[Sort(query.sort)]
        if sort:
            parameters["sort"] = sort
        return parameters

    async def search(self, query: Query) -> Result:
        """The page of hits for ``query``, within ``query.community_ids`` only (``InvalidQuery``
        if malformed)."""
        check(query)
        parameters = self._parameters(query)
        text = query.text[:MAX_QUERY_CHARS]
        words = normalise_text(text).split()
        finished = not text or _FINISHED.search(text) is not None
        await self._ready()
        started = time.perf_counter()
        index = self._client.index(self.uid)
        # Every word must match; while nothing does, drop the last word (the embedded rule).
        for used in range(len(words), 0, -1) if words else (0,):
            sent = " ".join(words[:used]) + (" " if finished or used < len(words) else "")
            answer, hits = await self._call(functools.partial(_ask, index, sent, parameters))
            if _total(answer) or used <= 1:
                break
        facets = {
            Facet(name).value: {str(value): int(count) for value, count in counts.items()}
            for name, counts in (answer.get("facetDistribution") or {}).items()
        }
        for facet in query.facets:
            facets.setdefault(Facet(facet).value, {})
        return Result(
            hits=hits, total=_total(answer), facets=facets, took_ms=(time.perf_counter() - started) * 1000
        )

    async def rebuild(
        self, batches: AsyncIterator[Sequence[Document]], progress: ProgressCallback | None = None
    ) -> int:
        """Fill a new index, swap it in at once, delete the old one; answers the document count."""
        await self._ready()
        fresh = f"{self.uid}_rebuild_{uuid.uuid4().hex[:8]}"
        await self._call(lambda: self._apply_settings(fresh))
        written = 0
        try:
            async for batch in batches:
                prepared = [indexed(document) for document in batch]
                if prepared:
                    await self._call(functools.partial(self._add, fresh, prepared))
                written += len(prepared)
                if progress is not None:
                    progress(written)
            await self._call(
                lambda: self._wait(self._client.swap_indexes([{"indexes": [self.uid, fresh]}]).task_uid)
            )
        finally:
            # After the swap ``fresh`` holds the old documents; before it, the unfinished new ones.
            await self._call(lambda: self._wait(self._client.delete_index(fresh).task_uid))
        return written

    async def health(self) -> Health:
        """Whether Meilisearch answers, and how many documents the index holds."""
        try:
            stats = await self._call(lambda: self._client.index(self.uid).get_stats())
        except SearchUnavailable as error:
            return Health(available=False, detail=str(error))
        except MeilisearchApiError as error:
            if error.code == "index_not_found":
                return Health(available=True, documents=0, detail="index not created yet")
            return Health(available=False, detail=str(error))
        return Health(available=True, documents=int(stats.number_of_documents))

    async def close(self) -> None:
        """Nothing to release: the client opens one HTTP request per call."""


def _ask(index: Any, text: str, parameters: dict[str, Any]) -> tuple[dict[str, Any], list[Hit]]:
    """Meilisearch's answer and its hits, highlighted here in the worker thread (it is CPU work
    that would otherwise hold the event loop)."""
    answer: dict[str, Any] = index.search(text, parameters)
    return answer, [_hit(raw) for raw in answer["hits"]]


def _total(answer: dict[str, Any]) -> int:
    return int(answer.get("totalHits", answer.get("estimatedTotalHits", len(answer.get("hits", ())))))


def _hit(raw: dict[str, Any]) -> Hit:
    matcher = Matcher(matched_terms(raw))
    document = {
        key: value
        for key, value in raw.items()
        if not key.endswith("_norm") and not key.startswith("_") and key not in _INDEX_ONLY
    }
    return Hit(
        id=str(raw["id"]),
        document=document,
        title_html=highlight(_text(raw.get("title")), matcher),
        description_html=snippet(_text(raw.get("description")), matcher),
    )
