"""A group's page lists its listings through the search, the group preselected: words with
typos, filters with counts, sorts. Without words, the database answers when the index cannot or
has not yet seen the latest change, so the page never loses a listing."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from tests.integration.discovery.conftest import indexed
from tests.integration.discovery.memory_index import MemoryIndex
from tests.stories import SLUG, Board

pytestmark = pytest.mark.anyio

OTHER = "vide-dressing-test"


@pytest.fixture
async def groups(board: Board, app: Litestar) -> dict[str, Any]:
    await board.community()
    await board.community(OTHER, template="vide-dressing")
    nadia = await board.member("nadia")
    await board.member("nadia", OTHER)
    ours = await board.listing(nadia, title="Poussette canne", kind="sell", price=30)
    gift = await board.listing(nadia, title="Poussette double")
    theirs = await board.listing(nadia, OTHER, category="Puériculture", title="Poussette jumeaux")
    return {"nadia": nadia, "ours": ours, "gift": gift, "theirs": theirs}


async def test_the_group_page_searches_within_the_group(
    memory_index: MemoryIndex, groups: dict[str, Any], app: Litestar, client: Any
) -> None:
    await indexed(app)
    page = await client.get(f"/communities/{SLUG}", params={"q": "poussette"})
    assert page.status_code == 200
    assert 'action="/communities/vide-grenier-test"' in page.text  # the search box stays in the group
    assert groups["ours"]["id"] in page.text and groups["gift"]["id"] in page.text
    assert groups["theirs"]["id"] not in page.text
    assert 'data-facet="kind"' in page.text and "(1)" in page.text  # counts per kind
    assert 'data-facet="community"' not in page.text  # the group is chosen
    cheap = await client.get(f"/communities/{SLUG}", params={"kind": "sell"})
    assert groups["ours"]["id"] in cheap.text and groups["gift"]["id"] not in cheap.text
    partial = await client.get(
        f"/communities/{SLUG}",
        params={"q": "canne"},
        headers={"HX-Request": "true", "HX-Target": "search-results"},
    )
    assert "<html" not in partial.text and groups["ours"]["id"] in partial.text


async def test_a_listing_just_posted_shows_on_the_group_page_before_the_index_has_it(
    memory_index: MemoryIndex, groups: dict[str, Any], client: Any
) -> None:
    assert memory_index.documents == {}  # nothing indexed yet
    page = await client.get(f"/communities/{SLUG}")
    assert groups["ours"]["id"] in page.text and groups["gift"]["id"] in page.text
    assert groups["theirs"]["id"] not in page.text
    assert page.text.index("Poussette double") < page.text.index("Poussette canne")  # newest first


async def test_the_group_page_still_lists_while_the_index_is_down(
    memory_index: MemoryIndex, groups: dict[str, Any], app: Litestar, client: Any
) -> None:
    await indexed(app)
    memory_index.down = True
    page = await client.get(f"/communities/{SLUG}", params={"kind": "sell"})
    assert page.status_code == 200
    assert groups["ours"]["id"] in page.text and groups["gift"]["id"] not in page.text
    words = await client.get(f"/communities/{SLUG}", params={"q": "poussette"})
    assert words.status_code == 503
    assert "momentanément indisponible" in words.text
