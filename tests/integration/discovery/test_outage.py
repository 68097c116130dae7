"""When Meilisearch is down the marketplace keeps working: neighbours post and edit, the search
page says search is briefly unavailable, the API answers 503 with Retry-After, no change is
lost, and the backlog drains once the server is back. A Meilisearch process of this test's own
is stopped and restarted (the run's shared server is left alone)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.app import create_app
from marketplace.indexing.index import use_search_index
from marketplace.indexing.indexer import backlog
from marketplace.operations import transaction
from marketplace.settings import SearchSettings, Settings
from search.meilisearch_backend import MeilisearchIndex
from tests.integration.discovery.backends import indexed
from tests.meilisearch_server import MeilisearchServer, meilisearch_binary, running_meilisearch
from tests.stories import SLUG, Board, sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
def own_meilisearch(
    meilisearch_server: MeilisearchServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MeilisearchServer]:
    """A Meilisearch of this test's own (the shared fixture proves the binary is there)."""
    binary = meilisearch_binary()
    assert binary is not None
    with running_meilisearch(binary, tmp_path_factory.mktemp("outage")) as server:
        yield server


@pytest.fixture
def settings(settings: Settings, own_meilisearch: MeilisearchServer, tmp_path: Path) -> Settings:
    on = dataclasses.replace(
        settings, search=SearchSettings(own_meilisearch.url, own_meilisearch.api_key, tmp_path / "search")
    )
    # A short timeout: the test's server is stopped, not slow.
    use_search_index(
        on, MeilisearchIndex(own_meilisearch.url, own_meilisearch.api_key, "listings", timeout=2)
    )
    return on


async def pending(app: Litestar) -> int:
    async with transaction(app.state.settings) as session:
        return (await backlog(session)).pending


async def test_while_meilisearch_is_down_posting_works_search_says_so_and_nothing_is_lost(
    board: Board, app: Litestar, client: AsyncTestClient[Litestar], own_meilisearch: MeilisearchServer
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    stroller = await board.listing(nadia, title="Poussette canne")
    assert not (await indexed(app)).failed

    own_meilisearch.stop()

    bike = await board.listing(nadia, title="Vélo enfant")  # posting still works
    edited = await nadia.patch(
        f"/api/v1/listings/{stroller['id']}",
        json={"version": stroller["version"], "title": "Poussette double"},
    )
    assert edited.status_code == 200, edited.text
    token = await sign_in(client, nadia)
    form = await client.get("/listings/new", params={"community": SLUG})
    assert form.status_code == 200
    posted = await client.post(
        "/listings/new",
        data={
            "_csrf_token": token,
            "community": SLUG,
            "kind": "give",
            "title": "Lit parapluie",
            "description": "Avec matelas",
            "category_id": await board.category_id("Maison"),
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text

    api = await nadia.get("/api/v1/search", params={"q": "velo"})
    assert api.status_code == 503
    assert int(api.headers["retry-after"]) > 0
    assert "momentanément indisponible" in api.json()["detail"]
    page = await client.get("/recherche", params={"q": "velo"})
    assert page.status_code == 503
    assert "momentanément indisponible" in page.text
    assert 'name="q"' in page.text  # the search box is still there, to try again
    suggestions = await client.get(
        "/recherche/avant-publication", params={"title": "poussette", "kind": "wanted"}
    )
    assert suggestions.status_code == 200
    assert "momentanément indisponible" in suggestions.text

    attempt = await indexed(app)
    assert attempt.failed and attempt.rows == 0
    waiting = await pending(app)
    assert waiting >= 3  # the bike, the edit and the cot: kept

    own_meilisearch.start()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)  # past the retry delay
    drained = await indexed(app, later)
    assert not drained.failed and drained.rows == waiting
    assert await pending(app) == 0
    api = await nadia.get("/api/v1/search", params={"q": "", "per_page": 100})
    assert api.status_code == 200
    titles = {hit["id"]: hit["title"] for hit in api.json()["hits"]}
    assert titles[stroller["id"]] == "Poussette double"
    assert titles[bike["id"]] == "Vélo enfant"
    assert "Lit parapluie" in titles.values()


async def test_the_app_starts_while_meilisearch_is_down_and_search_returns_with_it(
    settings: Settings, own_meilisearch: MeilisearchServer
) -> None:
    own_meilisearch.stop()
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        home = await client.get("/")
        assert home.status_code == 200
        answer = await client.get("/api/v1/search", params={"q": "poussette"})
        assert answer.status_code == 503
        own_meilisearch.start()
        answer = await client.get("/api/v1/search", params={"q": "poussette"})
        assert answer.status_code == 200, answer.text
