"""What only the embedded index has to get right: its files across versions of the code."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from search.contract import Facet, Query
from search.embedded import EmbeddedIndex
from search.embedded_store import CURRENT

pytestmark = pytest.mark.anyio


async def test_an_index_written_before_facet_counts_existed_counts_right_when_opened(tmp_path: Path) -> None:
    first = EmbeddedIndex(tmp_path)
    await first.upsert(
        [
            {"id": "a", "community_id": "c", "status": "available", "kind": "give", "title": "Poussette"},
            {"id": "b", "community_id": "c", "status": "available", "kind": "sell", "title": "Vélo"},
        ]
    )
    await first.close()
    live = tmp_path / (tmp_path / CURRENT).read_text().strip()
    with sqlite3.connect(live) as connection:  # as a file of the previous version was
        connection.execute("DELETE FROM facet_counts")
    reopened = EmbeddedIndex(tmp_path)
    result = await reopened.search(Query(text="", community_ids=("c",), facets=(Facet.KIND,)))
    await reopened.close()
    assert (result.total, result.facets) == (2, {"kind": {"give": 1, "sell": 1}})
