"""The app on a real search backend: the embedded index or the run's one real Meilisearch.

``search_settings(name, ...)`` gives the search section of the app's settings for a backend and
registers its index as the app's (``marketplace.indexing.index``): the embedded index under the
given directory, or an index of its own (a fresh uid) on the shared Meilisearch server, so that
tests never see each other's documents. ``forget`` deletes that Meilisearch index afterwards.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import subprocess
import sys
from pathlib import Path

import meilisearch
import pytest
from litestar import Litestar

from marketplace.indexing.index import use_search_index
from marketplace.indexing.indexer import Drained
from marketplace.indexing.scheduled import drain_search_outbox
from marketplace.operations import transaction
from marketplace.settings import SearchSettings, Settings
from search.meilisearch_backend import MeilisearchIndex
from tests.meilisearch_server import MeilisearchServer

BACKENDS = ("embedded", "meilisearch")
EVAL_DIR = Path(__file__).resolve().parents[2] / "data" / "search-eval"


def on_backend(
    settings: Settings, name: str, request: pytest.FixtureRequest, directory: Path
) -> tuple[Settings, str | None]:
    """``settings`` searching on backend ``name``, and the Meilisearch uid it uses (if any)."""
    if name == "embedded":
        return dataclasses.replace(settings, search=SearchSettings("", "", directory / "search")), None
    server: MeilisearchServer = request.getfixturevalue("meilisearch_server")
    uid = server.unique_uid("app")
    on_meilisearch = dataclasses.replace(
        settings, search=SearchSettings(server.url, server.api_key, directory / "search")
    )
    # The app would open "listings" on the server: this test brings an index of its own, which
    # the app uses until its lifespan ends (register it again for the next app).
    use_search_index(on_meilisearch, MeilisearchIndex(server.url, server.api_key, uid, timeout=5))
    return on_meilisearch, uid


def forget(request: pytest.FixtureRequest, uid: str | None) -> None:
    """Delete a test's Meilisearch index, to keep the shared server small."""
    if uid is None:
        return
    server: MeilisearchServer = request.getfixturevalue("meilisearch_server")
    with contextlib.suppress(meilisearch.errors.MeilisearchError):
        meilisearch.Client(server.url, server.api_key).delete_index(uid)


async def indexed(app: Litestar, now: datetime.datetime | None = None) -> Drained:
    """The indexer's passes, each in its own transaction as the worker runs them, until the
    outbox is empty (or the index refuses: then the last pass's report says so)."""
    total = Drained()
    while True:
        async with transaction(app.state.settings) as session:
            drained: Drained = await drain_search_outbox.work(  # type: ignore[assignment]
                session, now or datetime.datetime.now(datetime.UTC)
            )
        total.rows += drained.rows
        total.upserted += drained.upserted
        total.deleted += drained.deleted
        total.errors += drained.errors
        total.failed, total.waiting = drained.failed, drained.waiting
        if drained.failed or drained.waiting or not drained.rows:
            return total


def marketplace_command(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The ``marketplace`` command as an operator runs it, configured as ``settings`` say
    (database, data directory, Meilisearch server if any)."""
    env = {
        **os.environ,
        "MARKETPLACE_DATABASE_URL": settings.database.url,
        "MARKETPLACE_DATA_DIR": str(settings.data_dir),
        "MARKETPLACE_MEDIA_ROOT": str(settings.media.root),
        "MEILISEARCH_URL": settings.search.meilisearch_url,
        "MEILISEARCH_API_KEY": settings.search.meilisearch_api_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "marketplace.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
