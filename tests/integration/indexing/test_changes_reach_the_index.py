"""Every change a reader could notice reaches the search, on both backends: the change is made
through the API as people make it, the indexer drains the outbox (as the worker does), and a
search then shows the listing as it now is, or no longer shows it."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from marketplace.listings.service import ListingService
from marketplace.operations import transaction
from marketplace.settings import Settings
from tests.integration.discovery.backends import BACKENDS, forget, indexed, on_backend
from tests.stories import SLUG, Board, Person, add_photo

pytestmark = pytest.mark.anyio


@pytest.fixture(params=BACKENDS)
def settings(settings: Settings, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    on, uid = on_backend(settings, request.param, request, tmp_path)
    yield on
    forget(request, uid)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def found(who: Person, app: Litestar, **params: Any) -> dict[str, dict[str, Any]]:
    """The hits (by id) of a search once the indexer has taken every pending change."""
    drained = await indexed(app)
    assert not drained.failed, drained.errors
    body = ok(await who.get("/api/v1/search", params={"per_page": 100, **params}))
    return {hit["id"]: hit for hit in body["hits"]}


async def test_a_new_listing_is_found_with_what_it_says(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(
        nadia, title="Poussette canne", kind="sell", price=12, pickup_area="Gambetta", category="Puériculture"
    )
    hits = await found(nadia, app, q="poussette")
    hit = hits[listing["id"]]
    assert (hit["kind"], hit["price"], hit["pickup_area"], hit["status"]) == (
        "sell",
        12,
        "Gambetta",
        "available",
    )
    assert hit["category"]["name"] == "Puériculture"
    assert hit["community"] == SLUG


async def test_an_edit_is_found_under_its_new_words_only(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, title="Lampe de chevet")
    assert listing["id"] in await found(nadia, app, q="lampe")
    ok(
        await nadia.patch(
            f"/api/v1/listings/{listing['id']}",
            json={"version": listing["version"], "title": "Tabouret en bois"},
        )
    )
    assert listing["id"] not in await found(nadia, app, q="lampe")
    assert listing["id"] in await found(nadia, app, q="tabouret")


async def test_status_changes_follow_the_listing(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, title="Vélo enfant")
    url = f"/api/v1/listings/{listing['id']}/status"
    ok(await nadia.post(url, json={"status": "reserved"}))
    hits = await found(nadia, app, q="velo")
    assert hits[listing["id"]]["status"] == "reserved"  # reserved listings are still shown
    assert listing["id"] not in await found(nadia, app, q="velo", status="available")
    ok(await nadia.post(url, json={"status": "available"}))
    assert (await found(nadia, app, q="velo", status="available"))[listing["id"]]["status"] == "available"
    ok(await nadia.post(url, json={"status": "done"}))
    assert listing["id"] not in await found(nadia, app, q="velo")


async def test_a_withdrawn_listing_leaves_the_search(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, title="Chaise haute")
    assert listing["id"] in await found(nadia, app, q="chaise")
    ok(await nadia.post(f"/api/v1/listings/{listing['id']}/status", json={"status": "withdrawn"}))
    assert listing["id"] not in await found(nadia, app, q="chaise")


async def test_an_expired_listing_leaves_the_search_and_a_relisted_one_returns(
    board: Board, app: Litestar
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, title="Cocotte en fonte")
    relisted = await board.listing(nadia, title="Cocotte minute")
    assert {listing["id"], relisted["id"]} <= set(await found(nadia, app, q="cocotte"))
    later = datetime.datetime.fromisoformat(listing["expires_at"]) + datetime.timedelta(minutes=5)
    async with transaction(app.state.settings) as session:
        assert await ListingService(session=session).expire_due(later) == 2
    assert not {listing["id"], relisted["id"]} & set(await found(nadia, app, q="cocotte"))
    ok(await nadia.post(f"/api/v1/listings/{relisted['id']}/status", json={"status": "available"}))
    assert set(await found(nadia, app, q="cocotte")) == {relisted["id"]}


async def test_a_category_rename_merge_and_archive_reach_the_hits(board: Board, app: Litestar) -> None:
    await board.community()
    root = await board.root()
    nadia = await board.member("nadia")
    books, home = await board.category_id("Livres"), await board.category_id("Maison")
    novel = await board.listing(nadia, category="Livres", title="Roman policier")
    ok(await root.patch(f"/api/v1/categories/{books}", json={"name": "Livres et BD"}))
    assert (await found(nadia, app, q="roman"))[novel["id"]]["category"]["name"] == "Livres et BD"
    assert novel["id"] in await found(nadia, app, category=books)
    ok(await root.post(f"/api/v1/categories/{books}/merge", json={"into": home}))
    hit = (await found(nadia, app, q="roman"))[novel["id"]]
    assert (hit["category"]["id"], hit["category"]["name"]) == (home, "Maison")
    assert novel["id"] in await found(nadia, app, category=home)
    assert novel["id"] not in await found(nadia, app, category=books)
    ok(await root.patch(f"/api/v1/categories/{home}", json={"archived": True}))
    # An archived category leaves the posting form; its listings stay findable.
    assert novel["id"] in await found(nadia, app, q="roman")


async def test_a_new_cover_photo_shows_in_the_hit(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, title="Table basse")
    assert (await found(nadia, app, q="table"))[listing["id"]]["thumb"] is None
    first = await add_photo(nadia, listing["id"])
    assert (await found(nadia, app, q="table"))[listing["id"]]["thumb"] == first["urls"]["thumb"]
    second = await add_photo(nadia, listing["id"])
    ok(
        await nadia.put(
            f"/api/v1/listings/{listing['id']}/photos/order", json={"ids": [second["id"], first["id"]]}
        )
    )
    assert (await found(nadia, app, q="table"))[listing["id"]]["thumb"] == second["urls"]["thumb"]
    ok(await nadia.delete(f"/api/v1/photos/{second['id']}"), 204)
    assert (await found(nadia, app, q="table"))[listing["id"]]["thumb"] == first["urls"]["thumb"]


async def test_a_moderators_removal_takes_the_listing_out(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    moderator = await board.member("marc", role="moderator")
    listing = await board.listing(nadia, title="Casque audio")
    assert listing["id"] in await found(moderator, app, q="casque")
    ok(
        await moderator.post(
            f"/api/v1/listings/{listing['id']}/status", json={"status": "removed", "reason": "Objet interdit"}
        )
    )
    assert listing["id"] not in await found(moderator, app, q="casque")
    assert listing["id"] not in await found(nadia, app, q="casque")


async def test_a_banned_member_takes_their_listings_out(board: Board, app: Litestar) -> None:
    await board.community()
    root = await board.root()
    nadia = await board.member("nadia")
    bruno = await board.member("bruno")
    theirs = await board.listing(bruno, title="Jeu de société Catan")
    hers = await board.listing(nadia, title="Jeu de société Dixit")
    assert {theirs["id"], hers["id"]} <= set(await found(nadia, app, q="jeu"))
    ok(await root.post(f"/api/v1/communities/{SLUG}/members/{bruno.id}/ban", json={}))
    hits = await found(nadia, app, q="jeu")
    assert theirs["id"] not in hits and hers["id"] in hits


async def test_a_member_who_leaves_takes_their_listings_out_and_back_on_return(
    board: Board, app: Litestar
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    lea = await board.member("lea")
    listing = await board.listing(lea, title="Trottinette pliable")
    assert listing["id"] in await found(nadia, app, q="trottinette")
    ok(await lea.post(f"/api/v1/communities/{SLUG}/leave"))
    assert listing["id"] not in await found(nadia, app, q="trottinette")
    ok(await lea.post(f"/api/v1/communities/{SLUG}/join", json={}), 201)
    assert listing["id"] in await found(nadia, app, q="trottinette")


async def test_a_group_turning_members_only_hides_its_listings_from_outsiders(
    board: Board, app: Litestar, client: Any
) -> None:
    community = await board.community()
    root = await board.root()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, title="Poupée de chiffon")
    await indexed(app)
    anonymous = await client.get("/api/v1/search", params={"q": "poupee"})
    assert [hit["id"] for hit in anonymous.json()["hits"]] == [listing["id"]]
    ok(await root.patch(f"/api/v1/communities/{community['slug']}", json={"visibility": "members"}))
    await indexed(app)
    anonymous = await client.get("/api/v1/search", params={"q": "poupee"})
    assert anonymous.json()["hits"] == [] and anonymous.json()["total"] == 0
    assert listing["id"] in await found(nadia, app, q="poupee")
