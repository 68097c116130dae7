"""The one place that opens the search index, for the app, the worker and the command line.

The backend follows the settings (``search.backends.open_index``): Meilisearch when
``MEILISEARCH_URL`` is set, else the embedded index under ``MARKETPLACE_DATA_DIR/search``. A
process keeps one open index per configuration and shares it between its requests and its
worker, so that the embedded backend has one writer per process.

The worker's jobs are given a database session, not the settings: the indexer finds the
settings of the database its session is bound to (``settings_of``), which the app's lifespan
registers; a separate process (``marketplace worker``, the CLI) reads them from its
environment.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.settings import SearchSettings, Settings, get_settings
from search.backends import open_index
from search.contract import (
    SearchIndex,
    SearchUnavailable,
)

log = logging.getLogger("marketplace.search")

INDEX_STATE_KEY = "search_index"

_OPEN: dict[tuple[str, str, str, str], SearchIndex] = {}
_SETTINGS_BY_DATABASE: dict[str, Settings] = {}


def _key(search: SearchSettings) -> tuple[str, str, str, str]:
    return (
        search.meilisearch_url,
        search.meilisearch_api_key,
        search.meilisearch_index,
        str(search.index_dir),
    )


def _database_key(url: str) -> str:
    return make_url(url).render_as_string(hide_password=False)


def open_search_index(settings: Settings) -> SearchIndex:
    """This process's index for ``settings`` (opened on first use; no server is contacted yet)."""
    key = _key(settings.search)
    index = _OPEN.get(key)
    if index is None:
        index = open_index(
            settings.search.meilisearch_url or None,
            settings.search.meilisearch_api_key or None,
            settings.search.index_dir,
            settings.search.meilisearch_index,
        )
        _OPEN[key] = index
    _SETTINGS_BY_DATABASE[_database_key(settings.database.url)] = settings
    return index


def use_search_index(settings: Settings, index: SearchIndex) -> None:
    """Make ``index`` this process's index for ``settings`` (a benchmark or a test that brings
    its own, already open)."""
    _OPEN[_key(settings.search)] = index
    _SETTINGS_BY_DATABASE[_database_key(settings.database.url)] = settings


async def close_search_index(settings: Settings) -> None:
    index = _OPEN.pop(_key(settings.search), None)
    if index is not None:
        await index.close()


def settings_of(session: AsyncSession) -> Settings:
    """The settings of the app or process whose database ``session`` is bound to."""
    url = session.get_bind().engine.url
    registered = _SETTINGS_BY_DATABASE.get(url.render_as_string(hide_password=False))
    return registered if registered is not None else get_settings()


def index_for(session: AsyncSession) -> SearchIndex:
    """The index that goes with the database of ``session`` (for the worker's jobs)."""
    return open_search_index(settings_of(session))


async def prepare(index: SearchIndex) -> bool:
    """Create the index and apply its settings; False (logged) when the backend is down, so that
    the app still starts: posting works meanwhile, and the indexer catches up later."""
    try:
        await index.ensure_settings()
    except SearchUnavailable as error:
        log.warning("Search index unavailable at startup, will catch up later: %s", error)
        return False
    return True


@asynccontextmanager
async def search_index_lifespan(app: Litestar) -> AsyncIterator[None]:
    """The app's index in ``app.state.search_index``: settings applied at startup, closed at shutdown."""
    settings: Settings = app.state.settings
    index = open_search_index(settings)
    app.state[INDEX_STATE_KEY] = index
    await prepare(index)
    try:
        yield
    finally:
        await close_search_index(settings)


@asynccontextmanager
async def opened_index(settings: Settings) -> AsyncIterator[SearchIndex]:
    """The index for a command (``marketplace search ...``), closed at the end of the block."""
    index = open_search_index(settings)
    try:
        yield index
    finally:
        await close_search_index(settings)
