"""What only the embedded index has to get right: its files across versions of the code, and
across processes sharing one directory."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
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


HERE = ("c",)


def listing(id: str, title: str) -> dict[str, str]:
    return {"id": id, "community_id": "c", "status": "available", "kind": "give", "title": title}


async def found(index: EmbeddedIndex, text: str) -> set[str]:
    return {hit.id for hit in (await index.search(Query(text=text, community_ids=HERE))).hits}


def index_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.glob("index-*.sqlite3"))


async def one_batch(*documents: dict[str, str]) -> AsyncIterator[list[dict[str, str]]]:
    yield list(documents)


async def test_the_app_sees_what_the_worker_of_another_process_writes_typos_included(tmp_path: Path) -> None:
    """The app (``app``) and the indexing worker (``worker``) are two processes on one directory:
    each has its own pool and typo vocabulary; the worker's listings are found by the app, even
    by a typo of a word only the worker wrote."""
    app, worker = EmbeddedIndex(tmp_path), EmbeddedIndex(tmp_path)
    try:
        await app.upsert([listing("pram", "Poussette Yoyo")])
        assert await found(app, "poussete") == {"pram"}  # the app's vocabulary is loaded now
        await worker.upsert([listing("bike", "Draisienne en bois")])
        assert await found(app, "draisienne") == {"bike"}
        assert await found(app, "draisiene") == {"bike"}
        await app.upsert([listing("cot", "Lit parapluie")])  # the app's own write after the worker's
        await worker.upsert([listing("chair", "Chaise haute Tripp Trapp")])
        assert await found(app, "chaize haute") == {"chair"}
    finally:
        await app.close()
        await worker.close()


async def test_the_app_follows_a_reindex_run_by_another_process(tmp_path: Path) -> None:
    """``marketplace search reindex`` rebuilds in its own process: the running app then searches
    the new file (its documents, typos included) and no longer the old one, which is gone."""
    app = EmbeddedIndex(tmp_path)
    try:
        await app.upsert([listing("old", "Trottinette rouge")])
        assert await found(app, "trottinette") == {"old"}
        old_file = tmp_path / (tmp_path / CURRENT).read_text().strip()
        reindex = EmbeddedIndex(tmp_path)
        assert (
            await reindex.rebuild(one_batch(listing("new", "Trottinette bleue"), listing("tv", "Télévision")))
            == 2
        )
        await reindex.close()
        assert not old_file.exists()
        assert await found(app, "trottinette") == {"new"}
        assert await found(app, "televisoin") == {"tv"}
        assert await found(app, "rouge") == set()
        assert index_files(tmp_path) == [(tmp_path / CURRENT).read_text().strip()]
        # A second reindex elsewhere, while the app holds idle connections to the first one's file.
        again = EmbeddedIndex(tmp_path)
        await again.rebuild(one_batch(listing("last", "Trottinette verte")))
        await again.close()
        assert await found(app, "trottinette") == {"last"}
    finally:
        await app.close()
