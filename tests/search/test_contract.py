"""The search contract on every backend: what a reader notices when searching."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from search.contract import Document, Facet, Filters, Query, SearchIndex, Sort

pytestmark = pytest.mark.anyio

HERE = ("community-a",)


def doc(id: str, title: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "community_id": "community-a",
        "category_ids": ["cat-puericulture"],
        "kind": "sell",
        "status": "available",
        "title": title,
        "description": "",
        "price": 10,
        "published_at": 1_700_000_000,
        **fields,
    }


async def ids(index: SearchIndex, text: str, **query: Any) -> list[str]:
    result = await index.search(Query(text=text, community_ids=query.pop("community_ids", HERE), **query))
    return [hit.id for hit in result.hits]


async def test_a_stroller_outranks_the_rain_cover_for_a_stroller(index: SearchIndex) -> None:
    await index.upsert(
        [
            doc("cover", "Habillage pluie pour poussette", description="S'adapte à toute poussette."),
            doc("stroller", "Poussette citadine"),
        ]
    )
    assert await ids(index, "poussette") == ["stroller", "cover"]


async def test_typos_accents_plurals_synonyms_and_notations_are_understood(index: SearchIndex) -> None:
    await index.upsert(
        [
            doc("velo", "Vélo enfant"),
            doc("gigo", "Gigoteuse hiver"),
            doc("tshirt", "Tee-shirts manches longues", attributes={"size": "4 ans"}),
            doc("bottes", "Bottes de pluie pointure 24"),
            doc("echarpe", "L'écharpe de portage"),
            doc("tbe", "Lit parapluie", condition="tres_bon_etat"),
        ]
    )
    assert await ids(index, "velos") == ["velo"]
    assert await ids(index, "VELO") == ["velo"]
    assert await ids(index, "turbulette") == ["gigo"]
    assert await ids(index, "gigteuze") == []  # two typos in 8 letters: too far
    assert await ids(index, "gigoteusse") == ["gigo"]
    assert await ids(index, "tshirt ml 4a") == ["tshirt"]
    assert await ids(index, "t-shirt") == ["tshirt"]
    assert await ids(index, "bottes p24") == ["bottes"]
    assert await ids(index, "bottes 24") == ["bottes"]
    assert await ids(index, "echarpe") == ["echarpe"]
    assert await ids(index, "lit TBE") == ["tbe"]
    assert await ids(index, "ech") == ["echarpe"]  # the last word is a prefix while typing


async def test_scope_statuses_and_filters_narrow(index: SearchIndex) -> None:
    await index.upsert(
        [
            doc("a", "Poussette", price=None, kind="give"),
            doc("b", "Poussette canne", price=60, category_ids=["cat-child", "cat-puericulture"]),
            doc("hidden", "Poussette", community_id="community-b"),
            doc("done", "Poussette", status="done"),
        ]
    )
    assert set(await ids(index, "poussette")) == {"a", "b"}
    assert await ids(index, "poussette", community_ids=()) == []
    assert await ids(index, "", filters=Filters(category_ids=("cat-puericulture",)), sort=Sort.PRICE_ASC) == [
        "a",
        "b",
    ]
    assert await ids(index, "", filters=Filters(category_ids=("cat-child",))) == ["b"]
    assert await ids(index, "", filters=Filters(max_price=10)) == ["a"]  # no price counts as free
    assert await ids(index, "", filters=Filters(statuses=("done",))) == ["done"]
    assert await ids(index, "", sort=Sort.PRICE_DESC) == ["b", "a"]
    result = await index.search(Query(text="", community_ids=HERE, facets=(Facet.KIND, Facet.CATEGORY)))
    assert result.total == 2
    assert result.facets == {
        "kind": {"give": 1, "sell": 1},
        "category_ids": {"cat-child": 1, "cat-puericulture": 2},
    }


async def test_a_search_can_be_asked_of_the_listings_that_just_changed(index: SearchIndex) -> None:
    """What a saved search does with each new listing: the same query, narrowed to those ids."""
    await index.upsert(
        [
            doc("new", "Poussette Yoyo"),
            doc("old", "Poussette canne"),
            doc("new-bike", "Vélo enfant"),
            doc("new-elsewhere", "Poussette", community_id="community-b"),
        ]
    )
    changed = Filters(listing_ids=("new", "new-bike", "new-elsewhere"))
    assert await ids(index, "poussete", filters=changed) == ["new"]  # typo included, scope kept
    assert set(await ids(index, "", filters=changed)) == {"new", "new-bike"}
    result = await index.search(Query(text="poussette", community_ids=HERE, filters=changed))
    assert result.total == 1


async def test_browsing_counts_follow_every_edit_and_removal(index: SearchIndex) -> None:
    await index.upsert(
        [
            doc("a", "Poussette", kind="give", price=None, size=["3 mois"]),
            doc("b", "Body", size=["3 mois", "6 mois"]),
            doc("c", "Lego", community_id="community-b"),
        ]
    )
    await index.upsert([doc("b", "Body", kind="swap", size=["6 mois"], status="reserved")])
    await index.delete(["a", "missing"])
    await index.upsert([doc("d", "Vélo", condition="bon_etat")])
    facets = (Facet.KIND, Facet.SIZE, Facet.CONDITION, Facet.COMMUNITY)
    result = await index.search(Query(text="", community_ids=HERE, facets=facets))
    assert result.total == 2
    assert result.facets == {
        "kind": {"swap": 1, "sell": 1},
        "size": {"6 mois": 1},
        "condition": {"bon_etat": 1},
        "community_id": {"community-a": 2},
    }
    reserved = await index.search(
        Query(text="", community_ids=HERE, filters=Filters(statuses=("reserved",)), facets=(Facet.KIND,))
    )
    assert (reserved.total, reserved.facets) == (1, {"kind": {"swap": 1}})
    both = await index.search(Query(text="", community_ids=(*HERE, "community-b"), facets=(Facet.COMMUNITY,)))
    assert both.total == 3
    assert both.facets == {"community_id": {"community-a": 2, "community-b": 1}}


HOSTILE = [
    '"',
    "'",
    "\\",
    "OR",
    "AND",
    "NOT",
    "NEAR(a b)",
    "(",
    ")",
    "*",
    "a\x00b",
    "x" * 100_000,
    '") OR ("',
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_text_and_filters_never_widen_or_break(index: SearchIndex, value: str) -> None:
    await index.upsert([doc("a", "Poussette"), doc("other", "Poussette", community_id="community-b")])
    assert "other" not in await ids(index, value)
    assert "other" not in await ids(index, f"poussette {value}")
    for name in (
        "category_ids",
        "kinds",
        "statuses",
        "sizes",
        "shoe_sizes",
        "conditions",
        "genders",
        "pickup_areas",
        "listing_ids",
    ):
        filters = dataclasses.replace(Filters(), **{name: (value,)})  # type: ignore[arg-type]
        assert await ids(index, "poussette", filters=filters) == []
    assert await ids(index, "poussette", community_ids=(value,)) == []


async def test_highlights_escape_everything_but_marks(index: SearchIndex) -> None:
    await index.upsert([doc("a", "<b>Poussette</b> & co", description="Une poussette <script>x</script>")])
    [hit] = (await index.search(Query(text="poussette", community_ids=HERE))).hits
    assert hit.title_html == "&lt;b&gt;<mark>Poussette</mark>&lt;/b&gt; &amp; co"
    assert hit.description_html == "Une <mark>poussette</mark> &lt;script&gt;x&lt;/script&gt;"


async def test_upsert_and_delete_are_idempotent_and_pages_split(index: SearchIndex) -> None:
    documents = [doc(f"d{number:02}", "Lego", published_at=number) for number in range(25)]
    await index.upsert(documents)
    await index.upsert(documents)
    first = await index.search(Query(text="lego", community_ids=HERE, per_page=10, sort=Sort.NEWEST))
    third = await index.search(Query(text="lego", community_ids=HERE, per_page=10, page=3, sort=Sort.NEWEST))
    assert first.total == 25 and [hit.id for hit in first.hits][:2] == ["d24", "d23"]
    assert [hit.id for hit in third.hits] == [f"d{number:02}" for number in range(4, -1, -1)]
    await index.delete(["d00", "d00", "missing"])
    await index.delete(["d00"])
    assert (await index.health()).documents == 24
    with pytest.raises(ValueError):
        await index.search(Query(text="lego", community_ids=HERE, per_page=1000))


async def test_rebuild_swaps_in_a_new_index_while_searches_answer(index: SearchIndex) -> None:
    await index.upsert([doc("old", "Poussette")])

    async def batches() -> AsyncIterator[Sequence[Document]]:
        assert await ids(index, "poussette") == ["old"]  # the old index still answers
        yield [doc("new1", "Poussette")]
        yield [doc("new2", "Poussette")]

    seen: list[int] = []
    assert await index.rebuild(batches(), seen.append) == 2
    assert seen == [1, 2]
    assert sorted(await ids(index, "poussette")) == ["new1", "new2"]
