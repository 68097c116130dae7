"""How the indexer hands a backlog to the index: one call per pass, all or nothing.

Meilisearch indexes one large task much faster than many small ones (bench/README.md, Search),
so a pass reads the database batch after batch but writes to the index once; if the index
refuses, every row of the pass stays pending with its attempt counted."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from marketplace.indexing.indexer import RetryDelay, drain
from marketplace.indexing.models import SearchOutboxEntry
from marketplace.operations import transaction
from search.contract import Document, Query, Result
from tests.stories import Board

pytestmark = pytest.mark.anyio

NOW = datetime.datetime(2026, 12, 4, 10, tzinfo=datetime.UTC)


class RecordingIndex:
    """An index that notes each call, and refuses them all when ``down``."""

    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.upserts: list[list[str]] = []
        self.deletes: list[list[str]] = []

    async def upsert(self, documents: Sequence[Document]) -> None:
        if self.down:
            raise ConnectionError("index down")
        self.upserts.append([str(document["id"]) for document in documents])

    async def delete(self, ids: Sequence[str]) -> None:
        if self.down:
            raise ConnectionError("index down")
        self.deletes.append(list(ids))

    async def search(self, query: Query) -> Result:
        raise NotImplementedError

    async def ensure_settings(self) -> None: ...

    async def rebuild(self, documents: Any) -> None: ...

    async def health(self) -> bool:
        return not self.down


async def pending(app: Litestar) -> list[int]:
    """The attempts counted on each pending row."""
    async with transaction(app.state.settings) as session:
        rows = await session.scalars(
            select(SearchOutboxEntry.attempts)
            .where(SearchOutboxEntry.processed_at.is_(None))
            .order_by(SearchOutboxEntry.id)
        )
        return list(rows)


async def test_a_pass_reads_the_database_in_batches_and_writes_to_the_index_once(
    board: Board, app: Litestar
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    posted = [await board.listing(nadia, title=f"Livre {number}") for number in range(5)]
    withdrawn = posted[4]
    response = await nadia.post(f"/api/v1/listings/{withdrawn['id']}/status", json={"status": "withdrawn"})
    assert response.status_code == 200, response.text
    async with transaction(app.state.settings) as session:
        backlog = await session.scalar(select(func.count()).select_from(SearchOutboxEntry))
    index = RecordingIndex()
    async with transaction(app.state.settings) as session:
        drained = await drain(session, index, NOW, batch_size=2, max_batches=2)  # type: ignore[arg-type]
    assert drained.rows == 4 and len(index.upserts) == 1
    assert len(await pending(app)) == backlog - 4  # the rest waits for the next pass
    async with transaction(app.state.settings) as session:
        rest = await drain(session, index, NOW, batch_size=2, max_batches=2)  # type: ignore[arg-type]
    assert rest.rows == backlog - 4 and await pending(app) == []
    # The database says what is true now: the withdrawn listing's document goes, whichever of its
    # rows (posted, then withdrawn; its author admitted) a pass reads.
    assert all(ids == [withdrawn["id"]] for ids in index.deletes) and index.deletes
    assert {listing["id"] for listing in posted[:4]} == {id for ids in index.upserts for id in ids}


async def test_a_refused_pass_keeps_every_row_and_counts_the_attempt(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    for number in range(3):
        await board.listing(nadia, title=f"Jouet {number}")
    down = RecordingIndex(down=True)
    async with transaction(app.state.settings) as session:
        drained = await drain(session, down, NOW, batch_size=2, max_batches=5)  # type: ignore[arg-type]
    assert drained.failed and drained.rows == 0
    assert await pending(app) == [1] * 4  # the author admitted, and three listings
    retry = RetryDelay(first=datetime.timedelta(seconds=30))
    async with transaction(app.state.settings) as session:
        waiting = await drain(session, RecordingIndex(), NOW, retry=retry)  # type: ignore[arg-type]
    assert waiting.waiting and await pending(app) == [1] * 4
    back = RecordingIndex()
    later = NOW + datetime.timedelta(seconds=31)
    async with transaction(app.state.settings) as session:
        caught_up = await drain(session, back, later, retry=retry)  # type: ignore[arg-type]
    assert caught_up.rows == 4 and await pending(app) == [] and len(back.upserts) == 1
