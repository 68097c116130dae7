"""The Meilisearch backend: escaped filters, scope always applied, outage, rebuild."""

from __future__ import annotations

import pytest

from search.contract import Filters, Query, SearchUnavailable
from search.meilisearch_backend import MeilisearchIndex, filter_expression, quote
from tests.meilisearch_server import MeilisearchServer, meilisearch_binary, running_meilisearch

pytestmark = pytest.mark.anyio

HOSTILE = ['a" OR community_id EXISTS OR "', "back\\slash\\", 'x\\" OR 1', "] OR [", "AND", "nul\x00byte"]


def _document(id_: str, community: str, title: str, **extra: object) -> dict[str, object]:
    return {
        "id": id_,
        "community_id": community,
        "category_ids": ["c1"],
        "kind": "give",
        "status": "available",
        "title": title,
        "description": f"{title} à donner",
        "price": None,
        "published_at": 1,
        **extra,
    }


def test_quote_escapes_quotes_and_backslashes_and_drops_nul() -> None:
    assert quote('a"b\\c\x00') == '"a\\"b\\\\c"'
    with pytest.raises(ValueError):
        quote("x" * 10_000)


def test_scope_comes_first_and_no_community_matches_nothing() -> None:
    assert filter_expression(Query(text="", community_ids=("a",)))[0] == 'community_id IN ["a"]'
    assert filter_expression(Query(text="", community_ids=()))[:2] == [
        'community_id = ""',
        "community_id NOT EXISTS",
    ]


@pytest.fixture
async def index(meilisearch_server: MeilisearchServer) -> MeilisearchIndex:
    backend = MeilisearchIndex(
        meilisearch_server.url, meilisearch_server.api_key, meilisearch_server.unique_uid()
    )
    await backend.ensure_settings()
    await backend.upsert(
        [
            _document("1", "mine", "Poussette bleue"),
            _document("2", "theirs", "Poussette rouge"),
            _document("3", "mine", "Habillage pluie pour poussette <b>", price=5),
        ]
    )
    return backend


async def test_hostile_filter_values_never_widen_the_scope(index: MeilisearchIndex) -> None:
    for value in HOSTILE:
        filters = Filters(kinds=(value,), pickup_areas=(value,), sizes=(value,), category_ids=(value,))
        result = await index.search(Query(text="poussette", community_ids=("mine",), filters=filters))
        assert result.hits == []
        scoped = await index.search(Query(text="", community_ids=(value,)))
        assert scoped.hits == []


async def test_search_is_scoped_highlighted_and_escaped(index: MeilisearchIndex) -> None:
    result = await index.search(Query(text="poussete", community_ids=("mine",)))
    assert {hit.id for hit in result.hits} == {"1", "3"}
    assert result.hits[0].id == "1"  # the item before its accessory
    exact = await index.search(Query(text="poussette", community_ids=("mine",)))
    titles = {hit.id: hit.title_html for hit in exact.hits}
    assert titles["1"] == "<mark>Poussette</mark> bleue"
    assert "&lt;b&gt;" in titles["3"]
    free = await index.search(Query(text="", community_ids=("mine",), filters=Filters(max_price=0)))
    assert [hit.id for hit in free.hits] == ["1"]


async def test_rebuild_swaps_in_a_new_index(index: MeilisearchIndex) -> None:
    async def batches():  # type: ignore[no-untyped-def]
        yield [_document("9", "mine", "Vélo enfant")]

    assert await index.rebuild(batches()) == 1
    result = await index.search(Query(text="velo", community_ids=("mine",)))
    assert [hit.id for hit in result.hits] == ["9"]
    assert (await index.health()).documents == 1


async def test_an_outage_raises_unavailable_and_a_restart_serves_again(
    meilisearch_server: MeilisearchServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    binary = meilisearch_binary()
    assert binary is not None
    with running_meilisearch(binary, tmp_path_factory.mktemp("outage")) as server:
        backend = MeilisearchIndex(server.url, server.api_key, "listings", timeout=2)
        await backend.upsert([_document("1", "mine", "Poussette")])
        server.stop()
        with pytest.raises(SearchUnavailable):
            await backend.search(Query(text="poussette", community_ids=("mine",)))
        with pytest.raises(SearchUnavailable):
            await backend.upsert([_document("2", "mine", "Vélo")])
        assert not (await backend.health()).available
        server.start()
        await backend.upsert([_document("2", "mine", "Vélo")])
        result = await backend.search(Query(text="", community_ids=("mine",)))
        assert {hit.id for hit in result.hits} == {"1", "2"}
