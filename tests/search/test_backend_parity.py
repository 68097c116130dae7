"""The same search gives the same first results on both backends, so that a neighbour's search
on a laptop install (embedded index) and on the production site (Meilisearch) agree.

Each query of the shared evaluation set runs on every backend of ``BACKENDS``, loaded with the
same corpus. Two things must hold, and only these:

- **the same listings are found** (the same set of hits, the same total): typo tolerance,
  prefixes, synonyms, plurals, notations and filters let in the same listings on both;
- **the listings graded relevant come first on both**: the first k hits, k being the number of
  relevant listings, are the same set.

The order *within* those k, and of the other hits after them, is not compared. Listings of equal
worth for a query (two Lego boxes for "lego") are ordered by Meilisearch's rule buckets (typo,
sort, proximity, attribute, exactness, then the newest) and by the embedded index's BM25 with
column weights: neither order is wrong, the evaluation set does not grade it, and asserting it
would make the test fail on scoring details, not on what a neighbour sees first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from search.contract import SearchIndex
from search.eval.corpus import EVAL_DIR, eval_documents, read_jsonl
from tests.search.conftest import BACKENDS
from tests.search.test_evaluation_set import query_of

QUERIES = read_jsonl(EVAL_DIR / "queries.jsonl")

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
async def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, SearchIndex]]:
    """Every backend, loaded once with the evaluation corpus for the whole module."""
    async with AsyncExitStack() as stack:
        indexes: dict[str, SearchIndex] = {}
        for name, opener in sorted(BACKENDS.items()):
            index = await stack.enter_async_context(opener(request, tmp_path_factory.mktemp(name)))
            await index.upsert(eval_documents())
            indexes[name] = index
        yield indexes


@pytest.mark.parametrize("case", QUERIES, ids=[case["id"] for case in QUERIES])
async def test_both_backends_find_the_same_listings_and_put_the_relevant_ones_first(
    loaded: dict[str, SearchIndex], case: dict[str, Any]
) -> None:
    results = {name: await index.search(query_of(case)) for name, index in loaded.items()}
    found = {name: [hit.id for hit in result.hits] for name, result in results.items()}
    relevant = set(case["relevant"])
    first = {name: set(ids[: len(relevant)]) for name, ids in found.items()}
    assert len({frozenset(ids) for ids in found.values()}) == 1, (case["q"], found)
    assert len({result.total for result in results.values()}) == 1, (case["q"], found)
    assert all(top == relevant for top in first.values()), (case["q"], relevant, found)
