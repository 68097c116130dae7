"""``marketplace search reindex`` and ``marketplace search status``, run as separate processes as
an operator runs them, on the embedded index and on a Meilisearch server of the test's own."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.app import create_app
from marketplace.indexing.index import use_search_index
from marketplace.settings import MediaSettings, SearchSettings, Settings
from search.meilisearch_backend import MeilisearchIndex
from tests.integration.discovery.backends import EVAL_DIR, indexed, marketplace_command
from tests.meilisearch_server import MeilisearchServer, meilisearch_binary, running_meilisearch
from tests.stories import Board

pytestmark = pytest.mark.anyio

CORPUS = EVAL_DIR / "listings.jsonl"
FINDABLE = sum(
    1
    for line in CORPUS.read_text().splitlines()
    if '"status": "available"' in line or '"status": "reserved"' in line
)


def figure(output: str, label: str) -> str:
    """The value printed after ``label :`` by ``search status``."""
    found = re.search(rf"^{re.escape(label)} : (.*)$", output, re.MULTILINE)
    assert found, output
    return found.group(1)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The app and the commands share one data directory (the embedded index lives there)."""
    data = tmp_path / "var"
    return dataclasses.replace(
        settings,
        data_dir=data,
        media=MediaSettings(root=tmp_path / "media"),
        search=SearchSettings("", "", data / "search"),
    )


async def test_reindex_rebuilds_the_embedded_index_and_status_tells_the_backlog(
    app: Litestar, settings: Settings
) -> None:
    imported = marketplace_command(settings, "import", "listings", "--create-communities", str(CORPUS))
    assert imported.returncode == 0, imported.stderr

    before = marketplace_command(settings, "search", "status")
    assert before.returncode == 0, before.stderr
    assert figure(before.stdout, "État") == "disponible"
    assert figure(before.stdout, "Annonces trouvables en base") == str(FINDABLE)
    assert figure(before.stdout, "Changements en attente").startswith(
        str(len(CORPUS.read_text().splitlines()))
    )

    rebuilt = marketplace_command(settings, "search", "reindex")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"Index reconstruit : {FINDABLE} annonce(s)." in rebuilt.stdout
    assert "Réindexation" in rebuilt.stderr  # the progress bar
    assert f"{FINDABLE}/{FINDABLE}" in rebuilt.stderr

    after = marketplace_command(settings, "search", "status")
    assert figure(after.stdout, "Documents dans l'index") == str(FINDABLE)
    assert figure(after.stdout, "Changements en attente") == "0 (dont 0 en échec)"
    assert figure(after.stdout, "Dernière erreur") == "aucune"

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        answer = await client.get("/api/v1/search", params={"q": "poussette"})
        assert answer.status_code == 200, answer.text
        assert {"vg-001", "vg-002"} <= {hit["ref"] for hit in answer.json()["hits"]}


@pytest.fixture
def own_meilisearch(
    meilisearch_server: MeilisearchServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MeilisearchServer]:
    binary = meilisearch_binary()
    assert binary is not None
    with running_meilisearch(binary, tmp_path_factory.mktemp("cli")) as server:
        yield server


async def test_status_on_meilisearch_tells_an_outage_and_the_last_error(
    settings: Settings, own_meilisearch: MeilisearchServer, board: Board, app: Litestar
) -> None:
    on = dataclasses.replace(
        settings,
        search=SearchSettings(own_meilisearch.url, own_meilisearch.api_key, settings.data_dir / "search"),
    )
    use_search_index(
        on, MeilisearchIndex(own_meilisearch.url, own_meilisearch.api_key, "listings", timeout=2)
    )
    await board.community()
    nadia = await board.member("nadia")
    await board.listing(nadia, title="Poussette canne")
    application = create_app(on)
    assert not (await indexed(application)).failed

    own_meilisearch.stop()
    await board.listing(nadia, title="Vélo enfant")
    assert (await indexed(application)).failed  # the worker's attempt, kept with its error

    down = marketplace_command(on, "search", "status")
    assert down.returncode == 1
    assert figure(down.stdout, "Index") == f"Meilisearch {own_meilisearch.url}"
    assert figure(down.stdout, "État").startswith("indisponible")
    assert figure(down.stdout, "Changements en attente") == "1 (dont 1 en échec)"
    assert figure(down.stdout, "Dernière erreur").startswith("SearchUnavailable")
    refused = marketplace_command(on, "search", "reindex")
    assert refused.returncode == 1
    assert "ne répond pas" in refused.stderr and "Traceback" not in refused.stderr

    own_meilisearch.start()
    back = marketplace_command(on, "search", "reindex")
    assert back.returncode == 0, back.stderr
    assert "Index reconstruit : 2 annonce(s)." in back.stdout
    status = marketplace_command(on, "search", "status")
    assert figure(status.stdout, "Documents dans l'index") == "2"
    assert figure(status.stdout, "Changements en attente") == "0 (dont 0 en échec)"
