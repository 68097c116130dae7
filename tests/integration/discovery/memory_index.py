"""A small in-memory index that keeps the contract (whole words, no typo tolerance), for the
tests of the app's side that must control the index: an outage is ``down = True``."""

from __future__ import annotations

import html
import time
import unicodedata
from collections.abc import AsyncIterator, Sequence
from typing import Any

from search.contract import Document, Health, Hit, ProgressCallback, Query, Result, SearchUnavailable, Sort


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


class MemoryIndex:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise SearchUnavailable("memory index is down")

    async def ensure_settings(self) -> None:
        self._check()

    async def upsert(self, documents: Sequence[Document]) -> None:
        self._check()
        for document in documents:
            self.documents[str(document["id"])] = dict(document)

    async def delete(self, ids: Sequence[str]) -> None:
        self._check()
        for key in ids:
            self.documents.pop(key, None)

    def _matches(self, document: dict[str, Any], query: Query) -> bool:
        f = query.filters
        if document["community_id"] not in query.community_ids:
            return False
        words = _fold(query.text).split()
        haystack = _fold(f"{document['title']} {document['description']}")
        if any(word not in haystack for word in words):
            return False
        checks = [
            (f.kinds, [document["kind"]]),
            (f.statuses, [document["status"]]),
            (f.category_ids, document["category_ids"]),
            (f.sizes, document.get("size") or []),
            (f.shoe_sizes, document.get("shoe_size") or []),
            (f.conditions, [document.get("condition")]),
            (f.genders, [document.get("gender")]),
            (f.pickup_areas, [document.get("pickup_area")]),
        ]
        for wanted, values in checks:
            if wanted and not set(wanted) & set(values):
                return False
        price = document.get("price")
        if f.min_price is not None and (price is None or price < f.min_price):
            return False
        return not (f.max_price is not None and (price is None or price > f.max_price))

    async def search(self, query: Query) -> Result:
        self._check()
        started = time.perf_counter()
        found = [d for d in self.documents.values() if self._matches(d, query)]
        if query.sort == Sort.PRICE_ASC:
            found.sort(key=lambda d: (d["price"] is None, d["price"] or 0))
        elif query.sort == Sort.PRICE_DESC:
            found.sort(key=lambda d: (d["price"] is None, -(d["price"] or 0)))
        else:
            found.sort(key=lambda d: -d["published_at"])
        facets: dict[str, dict[str, int]] = {}
        for facet in query.facets:
            counts: dict[str, int] = {}
            for document in found:
                values = document.get(facet.value)
                for value in values if isinstance(values, list) else [values]:
                    if value not in (None, ""):
                        counts[str(value)] = counts.get(str(value), 0) + 1
            facets[facet.value] = counts
        start = (query.page - 1) * query.per_page
        hits = [
            Hit(d["id"], d, html.escape(d["title"]), html.escape(d["description"][:200]))
            for d in found[start : start + query.per_page]
        ]
        return Result(
            hits=hits, total=len(found), facets=facets, took_ms=(time.perf_counter() - started) * 1000
        )

    async def rebuild(
        self, batches: AsyncIterator[Sequence[Document]], progress: ProgressCallback | None = None
    ) -> int:
        self._check()
        fresh: dict[str, dict[str, Any]] = {}
        async for batch in batches:
            for document in batch:
                fresh[str(document["id"])] = dict(document)
            if progress:
                progress(len(fresh))
        self.documents = fresh
        return len(fresh)

    async def health(self) -> Health:
        if self.down:
            return Health(available=False, detail="down")
        return Health(available=True, documents=len(self.documents))

    async def close(self) -> None:
        return None
