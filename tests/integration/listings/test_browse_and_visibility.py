"""Browsing a community, and the visibility rule on every read: by id, in browse, in counts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.service import CommunityService
from marketplace.listings.service import ListingService
from marketplace.operations import transaction
from tests.stories import Board

pytestmark = pytest.mark.anyio


async def titles(who: Any, query: str = "") -> list[str]:
    response = await who.get(f"/api/v1/communities/vide-grenier-test/listings{query}")
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_browse_is_newest_first_with_a_pagination_envelope(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    for number in range(1, 6):
        await board.listing(nadia, title=f"Annonce {number}")
    response = await nadia.get("/api/v1/communities/vide-grenier-test/listings?page=2&per_page=2")
    body = response.json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["total"] == 5 and body["page"] == 2 and body["per_page"] == 2
    assert [item["title"] for item in body["items"]] == ["Annonce 3", "Annonce 2"]
    assert await titles(nadia, "?page=3&per_page=2") == ["Annonce 1"]


async def test_browse_shows_available_and_reserved_only(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    await board.listing(nadia, title="Brouillon", draft=True)
    reserved = await board.listing(nadia, title="Réservée")
    done = await board.listing(nadia, title="Donnée")
    withdrawn = await board.listing(nadia, title="Retirée")
    await board.listing(nadia, title="Disponible")
    await nadia.post(f"/api/v1/listings/{reserved['id']}/status", json={"status": "reserved"})
    await nadia.post(f"/api/v1/listings/{done['id']}/status", json={"status": "done"})
    await nadia.post(f"/api/v1/listings/{withdrawn['id']}/status", json={"status": "withdrawn"})
    assert await titles(nadia) == ["Disponible", "Réservée"]
    mine = await nadia.get("/api/v1/me/listings")
    assert mine.json()["total"] == 5
    drafts = await nadia.get("/api/v1/me/listings?status=draft")
    assert [item["title"] for item in drafts.json()["items"]] == ["Brouillon"]


async def test_browse_filters_by_kind_and_by_category_with_its_children(board: Board) -> None:
    await board.community()
    root = await board.root()
    nadia = await board.member("nadia")
    maison = await board.category_id("Maison")
    child = await root.post(
        "/api/v1/communities/vide-grenier-test/categories",
        json={"name": "Luminaires", "parent_id": maison, "attributes": ["condition"]},
    )
    assert child.status_code == 201, child.text
    await board.listing(nadia, title="Table basse")
    await board.listing(nadia, title="Lampe", category_id=child.json()["id"])
    await board.listing(nadia, title="Roman policier", category="Livres", kind="sell", price=2)
    assert await titles(nadia, f"?category={maison}") == ["Lampe", "Table basse"]
    assert await titles(nadia, f"?category={child.json()['id']}") == ["Lampe"]
    assert await titles(nadia, "?kind=sell") == ["Roman policier"]
    bad_kind = await nadia.get("/api/v1/communities/vide-grenier-test/listings?kind=lend")
    assert bad_kind.status_code == 400 and bad_kind.json()["extra"][0]["key"] == "kind"


async def test_non_member_cannot_see_a_members_only_listing_anywhere(board: Board, client: Any) -> None:
    await board.community("entre-nous", visibility="members", join_policy="approval")
    nadia = await board.member("nadia", "entre-nous")
    karim = await board.someone("karim")
    listing = await board.listing(nadia, "entre-nous")
    assert (await nadia.get(f"/api/v1/listings/{listing['id']}")).status_code == 200
    by_id = await karim.get(f"/api/v1/listings/{listing['id']}")
    unknown = await karim.get("/api/v1/listings/00000000-0000-7000-8000-000000000000")
    assert by_id.status_code == unknown.status_code == 404
    assert by_id.json()["detail"] == unknown.json()["detail"]  # nothing tells them it exists
    assert (await client.get(f"/api/v1/listings/{listing['id']}")).status_code == 404
    assert (await karim.get("/api/v1/communities/entre-nous/listings")).status_code == 404
    assert (await client.get("/api/v1/communities/entre-nous/listings")).status_code == 404
    assert (await karim.get("/api/v1/me/listings")).json()["total"] == 0
    # An applicant still waiting for approval sees no more than anybody else.
    await karim.post("/api/v1/communities/entre-nous/join", json={"answer": "Gambetta"})
    assert (await karim.get(f"/api/v1/listings/{listing['id']}")).status_code == 404


async def test_counts_exclude_what_the_reader_may_not_see(board: Board, app: Litestar) -> None:
    await board.community("entre-nous", visibility="members")
    nadia = await board.member("nadia", "entre-nous")
    await board.listing(nadia, "entre-nous")
    await board.listing(nadia, "entre-nous", title="Brouillon", draft=True)
    karim = await board.someone("karim")
    async with transaction(app.state.settings) as session:
        community = await CommunityService(session=session).by_slug("entre-nous")
        listings = ListingService(session=session)
        member = await session.get(User, uuid.UUID(nadia.id))
        outsider = await session.get(User, uuid.UUID(karim.id))
        assert await listings.count_visible(Viewer(member), community.id) == 1
        assert await listings.count_visible(Viewer(outsider), community.id) == 0
        assert await listings.count_visible(Viewer(None), community.id) == 0
    counts = await karim.get("/api/v1/communities/entre-nous/categories")
    assert counts.status_code == 404


async def test_leaving_a_members_only_community_hides_its_listings(board: Board) -> None:
    await board.community("entre-nous", visibility="members")
    nadia = await board.member("nadia", "entre-nous")
    karim = await board.member("karim", "entre-nous")
    listing = await board.listing(nadia, "entre-nous")
    assert (await karim.get(f"/api/v1/listings/{listing['id']}")).status_code == 200
    assert (await karim.post("/api/v1/communities/entre-nous/leave")).status_code == 200
    assert (await karim.get(f"/api/v1/listings/{listing['id']}")).status_code == 404


async def test_anyone_browses_a_public_community(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    assert (await client.get(f"/api/v1/listings/{listing['id']}")).status_code == 200
    browse = await client.get("/api/v1/communities/vide-grenier-test/listings")
    assert browse.status_code == 200 and browse.json()["total"] == 1


async def test_home_shows_the_newest_listings_the_reader_may_see(board: Board, client: Any) -> None:
    await board.community("vide-grenier-test")
    await board.community(
        "vide-dressing-test", visibility="members", join_policy="approval", template="vide-dressing"
    )
    nadia = await board.member("nadia", "vide-grenier-test")
    karim = await board.member("karim", "vide-dressing-test")
    await board.listing(nadia, title="Lampe de chevet en laiton")
    await board.listing(karim, "vide-dressing-test", category="Accessoires", title="Bavoirs en coton bio")

    anonymous = await client.get("/")
    assert "Dernières annonces" in anonymous.text
    assert "Lampe de chevet en laiton" in anonymous.text
    assert "Bavoirs en coton bio" not in anonymous.text

    member = await karim.get("/")
    assert "Lampe de chevet en laiton" in member.text and "Bavoirs en coton bio" in member.text
