"""Every query of the shared evaluation set passes on every backend.

``top3``: each relevant listing is among the first three hits (or the first N when N > 3 are
relevant); ``set``: each relevant listing is found. In both modes no ``must_not`` listing is
found at all (done listings are never indexed, as in the app)."""

from __future__ import annotations

from typing import Any

import pytest

from search.contract import Filters, Query, SearchIndex
from search.eval.corpus import (
    EVAL_DIR,
    category_id,
    community_id,
    eval_communities,
    eval_documents,
    read_jsonl,
)

QUERIES = read_jsonl(EVAL_DIR / "queries.jsonl")


def query_of(case: dict[str, Any]) -> Query:
    wanted = case["filters"]
    communities = (community_id(wanted["community"]),) if "community" in wanted else eval_communities()
    filters = Filters(
        kinds=tuple(wanted.get("kind", ())),
        category_ids=(category_id(wanted["category"]),) if "category" in wanted else (),
        max_price=wanted.get("max_price"),
        min_price=wanted.get("min_price"),
        sizes=tuple(wanted.get("size", ())),
    )
    return Query(text=case["q"], community_ids=communities, filters=filters, per_page=100)


@pytest.mark.anyio
@pytest.mark.parametrize("case", QUERIES, ids=[case["id"] for case in QUERIES])
async def test_evaluation_query_finds_its_listings(index: SearchIndex, case: dict[str, Any]) -> None:
    await index.upsert(eval_documents())
    result = await index.search(query_of(case))
    found = [hit.id for hit in result.hits]
    relevant = set(case["relevant"])
    if case["mode"] == "top3":
        assert relevant <= set(found[: max(3, len(relevant))]), (case["q"], found)
    else:
        assert relevant <= set(found), (case["q"], found)
    assert not set(case["must_not"]) & set(found), (case["q"], found)
