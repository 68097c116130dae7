"""The shared evaluation set, through the app: the corpus imported with ``marketplace import
listings``, indexed by the app's indexer from the outbox, every query asked of ``/api/v1/search``
by an anonymous neighbour (the imported groups are public), on both backends and both databases.

``top3``: each relevant listing is among the first three hits (the first N when N > 3 are
relevant); ``set``: each relevant listing is found. In both modes no ``must_not`` listing is
found at all (done listings are never shown). The corpus is imported once per backend."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.app import create_app
from marketplace.settings import DatabaseSettings, MediaSettings, Settings, load_settings
from tests.conftest import _empty_tables
from tests.integration.discovery.backends import (
    BACKENDS,
    EVAL_DIR,
    forget,
    indexed,
    marketplace_command,
    on_backend,
)

pytestmark = pytest.mark.anyio

QUERIES = [json.loads(line) for line in (EVAL_DIR / "queries.jsonl").read_text().splitlines() if line]
LISTINGS = [json.loads(line) for line in (EVAL_DIR / "listings.jsonl").read_text().splitlines() if line]


@dataclass
class Corpus:
    client: AsyncTestClient[Litestar]
    categories: dict[tuple[str, str], str]  # (community slug, category name) -> id
    backend: str


@pytest.fixture(scope="module", params=BACKENDS)
async def corpus(
    request: pytest.FixtureRequest, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Corpus]:
    directory = tmp_path_factory.mktemp("eval")
    base = load_settings()
    settings: Settings = dataclasses_replace(base, database_url, directory)
    settings, uid = on_backend(settings, request.param, request, directory)
    await _empty_tables(settings.database.url)
    imported = marketplace_command(
        settings, "import", "listings", "--create-communities", str(EVAL_DIR / "listings.jsonl")
    )
    assert imported.returncode == 0, imported.stderr
    app = create_app(settings)
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            drained = await indexed(app)
            assert not drained.failed, drained.errors
            categories: dict[tuple[str, str], str] = {}
            for slug in sorted({row["community"] for row in LISTINGS}):
                answer = await client.get(f"/api/v1/communities/{slug}/categories")
                assert answer.status_code == 200, answer.text
                categories |= {(slug, item["name"]): item["id"] for item in answer.json()["items"]}
            yield Corpus(client, categories, request.param)
    finally:
        forget(request, uid)


def dataclasses_replace(base: Settings, database_url: str, directory: Path) -> Settings:
    return dataclasses.replace(
        base,
        data_dir=directory,
        database=DatabaseSettings(url=database_url),
        media=MediaSettings(root=directory / "media"),
        run_worker_in_app=False,
    )


def params_of(case: dict[str, Any], corpus: Corpus) -> list[tuple[str, str | int | float]]:
    """The API's query string for one evaluation case."""
    wanted = case["filters"]
    params: list[tuple[str, str | int | float]] = [("q", case["q"]), ("per_page", 100)]
    if "community" in wanted:
        params.append(("community", wanted["community"]))
    if "category" in wanted:
        params.append(("category", corpus.categories[(wanted["community"], wanted["category"])]))
    params += [("kind", kind) for kind in wanted.get("kind", ())]
    params += [("size", size) for size in wanted.get("size", ())]
    for bound in ("min_price", "max_price"):
        if bound in wanted:
            params.append((bound, wanted[bound]))
    return params


@pytest.mark.parametrize("case", QUERIES, ids=[case["id"] for case in QUERIES])
async def test_evaluation_query_finds_its_listings_through_the_api(
    corpus: Corpus, case: dict[str, Any]
) -> None:
    answer = await corpus.client.get("/api/v1/search", params=params_of(case, corpus))
    assert answer.status_code == 200, answer.text
    found = [hit["ref"] for hit in answer.json()["hits"]]
    relevant = set(case["relevant"])
    if case["mode"] == "top3":
        assert relevant <= set(found[: max(3, len(relevant))]), (case["q"], found)
    else:
        assert relevant <= set(found), (case["q"], found)
    assert not set(case["must_not"]) & set(found), (case["q"], found)


async def test_done_listings_of_the_corpus_are_never_found(corpus: Corpus) -> None:
    finished = {row["ref"] for row in LISTINGS if row["status"] not in ("available", "reserved")}
    assert finished, "the corpus has finished listings"
    answer = await corpus.client.get("/api/v1/search", params={"per_page": 100})
    every = await corpus.client.get("/api/v1/search", params={"per_page": 100, "page": 2})
    found = {hit["ref"] for hit in answer.json()["hits"] + every.json()["hits"]}
    findable = {row["ref"] for row in LISTINGS if row["status"] in ("available", "reserved")}
    assert found == findable
    assert answer.json()["total"] == len(findable)
