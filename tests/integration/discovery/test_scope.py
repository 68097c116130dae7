"""What a search may show: only the listings of the groups the reader may read, hits, totals and
facet counts alike, on both backends. A ``community`` parameter only narrows; hostile values at
any parameter get correct results or a 400 in French, never a 500, never a wider scope."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.app import create_app
from marketplace.settings import DatabaseSettings, MediaSettings, load_settings
from tests.conftest import _empty_tables
from tests.integration.discovery.backends import BACKENDS, forget, indexed, on_backend
from tests.stories import Board, Person, registration

pytestmark = pytest.mark.anyio

PUBLIC = "vide-grenier-test"
PRIVATE = "entre-voisines"


@dataclass
class Story:
    member: Person  # of both groups
    outsider: Person  # registered, member of the public group only
    applicant: Person  # asked to join the members-only group, not admitted yet
    banned: Person  # was a member of the members-only group
    public_ids: set[str]
    private_ids: set[str]
    client: AsyncTestClient[Litestar]  # an anonymous browser
    board: Board


@pytest.fixture(scope="module", params=BACKENDS)
async def story(
    request: pytest.FixtureRequest, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Story]:
    """Built once per backend and database: the tests below only read."""
    directory = tmp_path_factory.mktemp("scope")
    settings = dataclasses.replace(
        load_settings(),
        data_dir=directory,
        database=DatabaseSettings(url=database_url),
        media=MediaSettings(root=directory / "media"),
        run_worker_in_app=False,
    )
    settings, uid = on_backend(settings, request.param, request, directory)
    await _empty_tables(database_url)
    app = create_app(settings)
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            yield await told(Board(registration(client, app)), app, client)
    finally:
        forget(request, uid)


async def told(board: Board, app: Litestar, client: AsyncTestClient[Litestar]) -> Story:
    """A public group and a members-only one, each with strollers; an outsider, an applicant and
    a banned member who may not read the members-only group."""
    await board.community(PUBLIC)
    await board.community(PRIVATE, visibility="members", join_policy="approval", template="vide-dressing")
    member = await board.member("nadia", PUBLIC)
    await board.member("nadia", PRIVATE)
    outsider = await board.member("omar", PUBLIC)
    applicant = await board.someone("paula")
    joined = await applicant.post(f"/api/v1/communities/{PRIVATE}/join", json={"answer": "Rue de Bagnolet"})
    assert joined.json()["status"] == "pending", joined.text
    banned = await board.member("bruno", PRIVATE)
    root = await board.root()
    public = [
        await board.listing(member, PUBLIC, title="Poussette canne", kind="sell", price=15),
        await board.listing(outsider, PUBLIC, title="Poussette double", pickup_area="Gambetta"),
    ]
    private = [
        await board.listing(member, PRIVATE, category="Puériculture", title="Poussette tout terrain"),
        await board.listing(
            member, PRIVATE, category="Puériculture", title="Poussette jumeaux", kind="sell", price=80
        ),
    ]
    ban = await root.post(f"/api/v1/communities/{PRIVATE}/members/{banned.id}/ban", json={})
    assert ban.status_code == 200, ban.text
    drained = await indexed(app)
    assert not drained.failed, drained.errors
    return Story(
        member,
        outsider,
        applicant,
        banned,
        {item["id"] for item in public},
        {item["id"] for item in private},
        client,
        board,
    )


async def search(who: Person, story: Story, **params: Any) -> dict[str, Any]:
    answer = await who.get("/api/v1/search", params={"q": "poussette", **params})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def assert_only_public(body: dict[str, Any], story: Story) -> None:
    found = {hit["id"] for hit in body["hits"]}
    assert found == story.public_ids
    assert body["total"] == len(story.public_ids)
    assert set(body["facets"].get("community", {})) <= {PUBLIC}
    for name, counts in body["facets"].items():
        assert sum(counts.values()) <= 2 * len(story.public_ids), (name, counts)
    assert body["facets"]["kind"] == {"sell": 1, "give": 1}


async def test_a_member_finds_the_listings_of_both_groups(story: Story) -> None:
    body = await search(story.member, story)
    assert {hit["id"] for hit in body["hits"]} == story.public_ids | story.private_ids
    assert body["facets"]["community"] == {PUBLIC: 2, PRIVATE: 2}


async def test_non_members_never_see_members_only_listings_counts_or_facets(story: Story) -> None:
    client = story.client
    for who in (story.outsider, story.applicant, story.banned):
        assert_only_public(await search(who, story), story)
    anonymous = await client.get("/api/v1/search", params={"q": "poussette"})
    assert anonymous.status_code == 200
    assert_only_public(anonymous.json(), story)


async def test_asking_for_a_members_only_group_narrows_to_nothing(story: Story) -> None:
    for who in (story.outsider, story.applicant, story.banned):
        body = await search(who, story, community=PRIVATE)
        assert (body["hits"], body["total"]) == ([], 0)
        assert all(counts == {} for counts in body["facets"].values()), body["facets"]
        both = await search(who, story, community=[PUBLIC, PRIVATE])
        assert_only_public(both, story)
    empty = await search(story.member, story, q="", community=PRIVATE)
    assert {hit["id"] for hit in empty["hits"]} == story.private_ids


async def test_a_category_of_a_members_only_group_shows_nothing_to_an_outsider(
    story: Story,
) -> None:
    category = await story.board.category_id("Puériculture", PRIVATE)
    body = await search(story.outsider, story, q="", category=category)
    assert (body["hits"], body["total"]) == ([], 0)
    assert await search(story.member, story, q="", category=category) != body


async def test_the_search_pages_keep_the_same_scope(story: Story) -> None:
    client = story.client
    page = await client.get("/recherche", params={"q": "poussette"})
    assert page.status_code == 200
    assert "canne" in page.text and "double" in page.text
    assert "jumeaux" not in page.text and "tout terrain" not in page.text
    assert "Entre Voisines" not in page.text  # not even as a filter
    inside = await client.get(f"/communities/{PRIVATE}/recherche", params={"q": "poussette"})
    assert "jumeaux" not in inside.text
    suggestions = await client.get(
        "/recherche/avant-publication", params={"title": "poussette", "kind": "wanted"}
    )
    assert "jumeaux" not in suggestions.text and "tout terrain" not in suggestions.text


# --- hostile input at every parameter ----------------------------------------------------------

HOSTILE = [
    '"',
    "\\",
    'x" OR community_id EXISTS OR "',
    'x\\" OR 1 = 1 OR \\"',
    "OR",
    "AND",
    "NOT",
    "] OR [",
    "(",
    "a\x00b",
    "' OR ''='",
    "*",
    "x" * 5000,
]
TEXT_PARAMETERS = ["q", "community", "size", "shoe_size", "condition", "gender", "area"]
TYPED_PARAMETERS = ["category", "kind", "status", "sort", "min_price", "max_price", "page", "per_page"]
ODD_NUMBERS = ["NaN", "inf", "-inf", "1e999", "-1", "0", str(10**30), "1,5", ""]


def assert_refused_in_french(answer: Any) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    message = str(body.get("detail", ""))
    assert message, body
    assert "Validation failed" not in message and "is not" not in message, message


def assert_within_scope(answer: Any, story: Story) -> None:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {hit["id"] for hit in body["hits"]} <= story.public_ids
    assert body["total"] <= len(story.public_ids)
    assert set(body["facets"].get("community", {})) <= {PUBLIC}


async def test_hostile_values_give_results_within_scope_or_a_french_400(story: Story) -> None:
    cases = [
        (name, value)
        for name in TEXT_PARAMETERS + TYPED_PARAMETERS
        for value in HOSTILE + (ODD_NUMBERS if name in TYPED_PARAMETERS else [])
    ]
    for parameter, value in cases:
        answer = await story.outsider.get("/api/v1/search", params={"q": "poussette", parameter: value})
        assert answer.status_code in (200, 400), (parameter, value[:40], answer.status_code, answer.text)
        if answer.status_code == 400:
            assert_refused_in_french(answer)
        else:
            assert_within_scope(answer, story)
        repeated = await story.outsider.get(
            "/api/v1/search", params=[(parameter, value), (parameter, PUBLIC)]
        )
        assert repeated.status_code in (200, 400), (parameter, value[:40], repeated.text)
        if repeated.status_code == 200:
            assert_within_scope(repeated, story)


async def test_hostile_values_on_the_search_page_never_break_it(story: Story) -> None:
    client = story.client
    for parameter in TEXT_PARAMETERS + TYPED_PARAMETERS:
        for value in HOSTILE + ODD_NUMBERS:
            page = await client.get("/recherche", params={"q": "poussette", parameter: value})
            assert page.status_code in (200, 400), (parameter, value[:40], page.status_code)
            assert "jumeaux" not in page.text


async def test_a_hostile_community_value_never_reaches_a_members_only_group(story: Story) -> None:
    for value in [f'{PUBLIC}" OR "{PRIVATE}', f"{PRIVATE}\\", f" {PRIVATE} ", PRIVATE.upper()]:
        answer = await story.outsider.get("/api/v1/search", params={"q": "", "community": value})
        assert answer.status_code in (200, 400), answer.text
        if answer.status_code == 200:
            assert not {hit["id"] for hit in answer.json()["hits"]} & story.private_ids


async def test_very_long_values_are_refused_naming_the_parameter(story: Story) -> None:
    client = story.client
    answer = await story.outsider.get("/api/v1/search", params={"q": "p" * 5000})
    assert_refused_in_french(answer)
    assert "200" in answer.json()["detail"]
    english = await client.get(
        "/api/v1/search", params={"area": "p" * 500}, headers={"Accept-Language": "en"}
    )
    assert english.status_code == 400
    assert "80" in english.json()["detail"] and "caractères" not in english.json()["detail"]
