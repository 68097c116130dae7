"""Editing a listing: the author only, with the version read, and the same rules as posting."""

from __future__ import annotations

import pytest

from tests.stories import Board

pytestmark = pytest.mark.anyio


async def test_author_edits_with_the_version_read(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    response = await nadia.patch(
        f"/api/v1/listings/{listing['id']}",
        json={"version": listing["version"], "title": "Lampe de chevet", "kind": "sell", "price": 8},
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["title"] == "Lampe de chevet" and edited["kind"] == "sell" and edited["price"] == 8
    assert edited["version"] == listing["version"] + 1
    assert edited["updated_at"] >= listing["updated_at"]


async def test_stale_edit_from_a_second_device_is_refused_not_lost(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    url = f"/api/v1/listings/{listing['id']}"
    first = await nadia.patch(url, json={"version": listing["version"], "title": "Lampe du téléphone"})
    assert first.status_code == 200
    second = await nadia.patch(url, json={"version": listing["version"], "title": "Lampe de l'ordinateur"})
    assert second.status_code == 409
    assert "modifiée entre-temps" in second.json()["detail"]
    assert (await nadia.get(url)).json()["title"] == "Lampe du téléphone"


async def test_edit_without_a_version_names_the_field(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    response = await nadia.patch(f"/api/v1/listings/{listing['id']}", json={"title": "Sans version"})
    assert response.status_code == 400 and response.json()["extra"][0]["key"] == "version"


async def test_edit_result_obeys_the_posting_rules(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    # Turning a gift into a sale without a price leaves a sale without a price: refused.
    response = await nadia.patch(
        f"/api/v1/listings/{listing['id']}", json={"version": listing["version"], "kind": "sell"}
    )
    assert response.status_code == 400 and response.json()["extra"][0]["key"] == "price"
    response = await nadia.patch(
        f"/api/v1/listings/{listing['id']}", json={"version": listing["version"], "price": 3}
    )
    assert response.status_code == 400 and response.json()["extra"][0]["key"] == "price"


async def test_an_edit_that_changes_nothing_keeps_the_version(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    response = await nadia.patch(
        f"/api/v1/listings/{listing['id']}", json={"version": listing["version"], "title": listing["title"]}
    )
    assert response.status_code == 200 and response.json()["version"] == listing["version"]


async def test_only_the_author_edits(board: Board) -> None:
    await board.community()
    await board.community("entre-nous", visibility="members")
    nadia = await board.member("nadia")
    karim = await board.member("karim")
    listing = await board.listing(nadia)
    refused = await karim.patch(
        f"/api/v1/listings/{listing['id']}", json={"version": listing["version"], "title": "Piraté"}
    )
    assert refused.status_code == 403
    await board.member("nadia", "entre-nous")
    hidden = await board.listing(nadia, "entre-nous")
    unseen = await karim.patch(
        f"/api/v1/listings/{hidden['id']}", json={"version": hidden["version"], "title": "Piraté"}
    )
    assert unseen.status_code == 404


async def test_changing_category_drops_the_attributes_it_does_not_use(board: Board) -> None:
    await board.community("vide-dressing-test", template="vide-dressing")
    lea = await board.member("lea", "vide-dressing-test")
    listing = await board.listing(
        lea, "vide-dressing-test", category="Vêtements bébé", attributes={"size": "3 mois", "brand": "Jacadi"}
    )
    shoes = await board.category_id("Chaussures", "vide-dressing-test")
    response = await lea.patch(
        f"/api/v1/listings/{listing['id']}", json={"version": listing["version"], "category_id": shoes}
    )
    assert response.status_code == 200, response.text
    assert response.json()["category"] == "Chaussures" and response.json()["attributes"] == {
        "brand": "Jacadi"
    }


async def test_a_done_listing_can_no_longer_be_edited(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    done = await nadia.post(f"/api/v1/listings/{listing['id']}/status", json={"status": "done"})
    assert done.status_code == 200
    response = await nadia.patch(
        f"/api/v1/listings/{listing['id']}", json={"version": done.json()["version"], "title": "Encore"}
    )
    assert response.status_code == 409


async def test_merging_categories_moves_listings_and_bumps_their_version(board: Board) -> None:
    await board.community()
    root = await board.root()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, category="Décoration")
    maison = await board.category_id("Maison")
    merged = await root.post(f"/api/v1/categories/{listing['category_id']}/merge", json={"into": maison})
    assert merged.status_code == 200, merged.text
    moved = (await nadia.get(f"/api/v1/listings/{listing['id']}")).json()
    assert moved["category"] == "Maison" and moved["version"] == listing["version"] + 1
    # The author's edit made from the page read before the merge is stale: refused, not lost.
    stale = await nadia.patch(
        f"/api/v1/listings/{listing['id']}", json={"version": listing["version"], "title": "Vase"}
    )
    assert stale.status_code == 409
