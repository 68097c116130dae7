"""The ``index`` fixture: one fresh, empty index per test, for every backend of ``BACKENDS``.

Adding a backend is one entry: a name and an async context manager factory that yields a
``SearchIndex`` (given pytest's ``request`` and a temporary directory); the contract tests then
run on it too. The Meilisearch entry uses the run's one real server (``meilisearch_server`` of
``tests/conftest.py``) with an index uid of its own per test, deleted afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import meilisearch
import pytest

from search.contract import SearchIndex
from search.embedded import EmbeddedIndex
from search.meilisearch_backend import MeilisearchIndex
from tests.meilisearch_server import MeilisearchServer


@asynccontextmanager
async def _embedded(request: pytest.FixtureRequest, directory: Path) -> AsyncIterator[SearchIndex]:
    index = EmbeddedIndex(directory / "search")
    await index.ensure_settings()
    try:
        yield index
    finally:
        await index.close()


@asynccontextmanager
async def _meilisearch(request: pytest.FixtureRequest, directory: Path) -> AsyncIterator[SearchIndex]:
    server: MeilisearchServer = request.getfixturevalue("meilisearch_server")
    uid = server.unique_uid("listings")
    index = MeilisearchIndex(server.url, server.api_key, uid)
    await index.ensure_settings()
    try:
        yield index
    finally:
        await index.close()
        # Keep the shared server small: each test's index goes with the test.
        with contextlib.suppress(meilisearch.errors.MeilisearchError):
            meilisearch.Client(server.url, server.api_key).delete_index(uid)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], AbstractAsyncContextManager[SearchIndex]]] = {
    "embedded": _embedded,
    "meilisearch": _meilisearch,
}


@pytest.fixture(params=sorted(BACKENDS))
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchIndex]:
    async with BACKENDS[request.param](request, tmp_path) as opened:
        yield opened
