"""Both backends give the same top results for every query of the evaluation set, through the
app: one database with the corpus imported, two apps on it (embedded index, Meilisearch), each
index rebuilt from the database as ``marketplace search reindex`` does. Filter-only queries give
the same listings; text queries the same first hits (as many as the case's relevant listings)."""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.app import create_app
from marketplace.indexing.index import open_search_index
from marketplace.indexing.maintenance import reindex
from marketplace.operations import transaction
from marketplace.settings import DatabaseSettings, MediaSettings, load_settings
from tests.conftest import _empty_tables
from tests.integration.discovery.backends import BACKENDS, EVAL_DIR, forget, marketplace_command, on_backend
from tests.integration.discovery.test_evaluation_set import QUERIES, Corpus, params_of

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
async def clients(
    request: pytest.FixtureRequest, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Corpus]]:
    directory = tmp_path_factory.mktemp("agree")
    base = dataclasses.replace(
        load_settings(),
        data_dir=directory,
        database=DatabaseSettings(url=database_url),
        media=MediaSettings(root=directory / "media"),
        run_worker_in_app=False,
    )
    await _empty_tables(database_url)
    imported = marketplace_command(
        base, "import", "listings", "--create-communities", str(EVAL_DIR / "listings.jsonl")
    )
    assert imported.returncode == 0, imported.stderr
    uids: list[str | None] = []
    apps: dict[str, Litestar] = {}
    for name in BACKENDS:
        settings, uid = on_backend(base, name, request, directory / name)
        uids.append(uid)
        apps[name] = create_app(settings)
        async with transaction(settings) as session:
            await reindex(session, open_search_index(settings), datetime.datetime.now(datetime.UTC))
    try:
        async with (
            AsyncTestClient(app=apps["embedded"], base_url="http://testserver.local") as embedded,
            AsyncTestClient(app=apps["meilisearch"], base_url="http://testserver.local") as meilisearch,
        ):
            categories: dict[tuple[str, str], str] = {}
            for slug in ("vide-grenier-paris-20", "vide-dressing-bebe-enfant-paris-20"):
                answer = await embedded.get(f"/api/v1/communities/{slug}/categories")
                categories |= {(slug, item["name"]): item["id"] for item in answer.json()["items"]}
            yield {
                "embedded": Corpus(embedded, categories, "embedded"),
                "meilisearch": Corpus(meilisearch, categories, "meilisearch"),
            }
    finally:
        for uid in uids:
            forget(request, uid)


async def top(corpus: Corpus, case: dict[str, Any]) -> list[str]:
    answer = await corpus.client.get("/api/v1/search", params=params_of(case, corpus))
    assert answer.status_code == 200, answer.text
    return [hit["ref"] for hit in answer.json()["hits"]]


@pytest.mark.parametrize("case", QUERIES, ids=[case["id"] for case in QUERIES])
async def test_both_backends_give_the_same_top_results(
    clients: dict[str, Corpus], case: dict[str, Any]
) -> None:
    embedded, meilisearch = await top(clients["embedded"], case), await top(clients["meilisearch"], case)
    if case["mode"] == "set":  # filters alone: the same listings, in whatever order
        assert set(embedded) == set(meilisearch), (case["q"], embedded, meilisearch)
        return
    # The listings a good engine must put first come first on both, in the same places: the
    # hits after them may differ in order (ties between weak matches are broken differently).
    size = max(1, len(case["relevant"]))
    assert set(embedded[:size]) == set(meilisearch[:size]), (case["q"], json.dumps([embedded, meilisearch]))
