"""Each test's app has its own search index (under the test's own directory) and drains the
search outbox on demand: ``await indexed(app)`` runs one pass of the indexer's job, in its own
transaction, as the worker does, and returns what it did."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar

from marketplace.indexing.index import use_search_index
from marketplace.indexing.indexer import Drained
from marketplace.indexing.scheduled import drain_search_outbox
from marketplace.operations import transaction
from marketplace.settings import SearchSettings, Settings
from tests.integration.discovery.memory_index import MemoryIndex


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, search=SearchSettings("", "", tmp_path / "search"))


@pytest.fixture
def memory_index(settings: Settings) -> Iterator[MemoryIndex]:
    """An in-memory index the test can take down (``down = True``), used by the app and the indexer."""
    index = MemoryIndex()
    use_search_index(settings, index)
    yield index


async def indexed(app: Litestar, now: datetime.datetime | None = None) -> Drained:
    """One pass of the indexer job, committed."""
    async with transaction(app.state.settings) as session:
        return await drain_search_outbox.work(session, now or datetime.datetime.now(datetime.UTC))  # type: ignore[return-value]
