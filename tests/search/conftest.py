"""The ``index`` fixture: one fresh, empty index per test, for every backend of ``BACKENDS``.

Adding a backend is one entry: a name and an async context manager factory that yields a
``SearchIndex`` (given pytest's ``request`` and a temporary directory); the contract tests then
run on it too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from search.contract import SearchIndex
from search.embedded import EmbeddedIndex


@asynccontextmanager
async def _embedded(request: pytest.FixtureRequest, directory: Path) -> AsyncIterator[SearchIndex]:
    index = EmbeddedIndex(directory / "search")
    await index.ensure_settings()
    try:
        yield index
    finally:
        await index.close()


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], AbstractAsyncContextManager[SearchIndex]]] = {
    "embedded": _embedded,
}


@pytest.fixture(params=sorted(BACKENDS))
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchIndex]:
    async with BACKENDS[request.param](request, tmp_path) as opened:
        yield opened
