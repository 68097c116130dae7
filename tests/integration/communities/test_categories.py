"""Curated categories: what a community admin does with them, and what members see."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stories import Board

pytestmark = pytest.mark.anyio

BASE = "/api/v1/communities/troc"


@pytest.fixture
async def troc(board: Board) -> dict[str, Any]:
    return await board.community("troc", template="none", pickup_areas=["Belleville", "Jourdain"])


async def tree(who: Any) -> list[dict[str, Any]]:
    response = await who.get(f"{BASE}/categories")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def create(who: Any, name: str, **fields: Any) -> Any:
    return await who.post(f"{BASE}/categories", json={"name": name, **fields})


async def test_admin_creates_categories_in_order_with_their_attributes(troc: Any, root: Any) -> None:
    clothes = await create(root, "Vêtements", attributes=["size", "gender", "condition"])
    assert clothes.status_code == 201, clothes.text
    body = clothes.json()
    assert body["id"] and body["name"] == "Vêtements" and body["parent_id"] is None
    assert body["attributes"] == ["size", "gender", "condition"] and body["archived"] is False
    await create(root, "Livres")
    first = await create(root, "Jouets", position=0)
    assert first.json()["position"] == 0
    assert [(item["name"], item["position"]) for item in await tree(root)] == [
        ("Jouets", 0),
        ("Vêtements", 1),
        ("Livres", 2),
    ]


async def test_unknown_attribute_keys_are_refused_naming_attributes(troc: Any, root: Any) -> None:
    response = await create(root, "Vêtements", attributes=["size", "colour"])
    assert response.status_code == 400
    assert (
        response.json()["extra"][0]["key"] == "attributes"
        and "colour" in response.json()["extra"][0]["message"]
    )
    category = (await create(root, "Vêtements", attributes=["size"])).json()
    patch = await root.patch(f"/api/v1/categories/{category['id']}", json={"attributes": ["weight"]})
    assert patch.status_code == 400 and patch.json()["extra"][0]["key"] == "attributes"
    changed = await root.patch(
        f"/api/v1/categories/{category['id']}", json={"attributes": ["brand", "shoe_size"]}
    )
    assert changed.status_code == 200 and changed.json()["attributes"] == ["shoe_size", "brand"]


async def test_names_are_unique_among_siblings(troc: Any, root: Any) -> None:
    parent = (await create(root, "Maison")).json()
    assert (await create(root, "maison ")).status_code == 409
    assert (await create(root, "Déco", parent_id=parent["id"])).status_code == 201
    assert (await create(root, "Déco")).status_code == 201  # another level: allowed
    assert (await create(root, "  ")).status_code == 400


async def test_admin_renames_a_category(troc: Any, root: Any) -> None:
    category = (await create(root, "Bouquins")).json()
    response = await root.patch(f"/api/v1/categories/{category['id']}", json={"name": "Livres"})
    assert response.status_code == 200 and response.json()["name"] == "Livres"
    assert [item["name"] for item in await tree(root)] == ["Livres"]


async def test_categories_nest_one_level_only(troc: Any, root: Any) -> None:
    home = (await create(root, "Maison")).json()
    kitchen = await create(root, "Cuisine", parent_id=home["id"])
    assert kitchen.status_code == 201 and kitchen.json()["parent_id"] == home["id"]
    too_deep = await create(root, "Casseroles", parent_id=kitchen.json()["id"])
    assert too_deep.status_code == 400 and too_deep.json()["extra"][0]["key"] == "parent_id"

    # A category with sub-categories cannot itself go under another one.
    books = (await create(root, "Livres")).json()
    moved = await root.patch(f"/api/v1/categories/{home['id']}", json={"parent_id": books["id"]})
    assert moved.status_code == 400 and moved.json()["extra"][0]["key"] == "parent_id"

    # The tree lists each parent followed by its children.
    assert [(item["name"], item["parent_id"]) for item in await tree(root)] == [
        ("Maison", None),
        ("Cuisine", home["id"]),
        ("Livres", None),
    ]


async def test_a_category_moves_under_a_parent_and_back_to_the_top(troc: Any, root: Any) -> None:
    home = (await create(root, "Maison")).json()
    deco = (await create(root, "Décoration")).json()
    nested = await root.patch(f"/api/v1/categories/{deco['id']}", json={"parent_id": home["id"]})
    assert nested.status_code == 200 and nested.json()["parent_id"] == home["id"]
    back = await root.patch(f"/api/v1/categories/{deco['id']}", json={"parent_id": None})
    assert back.status_code == 200 and back.json()["parent_id"] is None
    assert [item["name"] for item in await tree(root)] == ["Maison", "Décoration"]


async def test_admin_reorders_siblings(troc: Any, root: Any) -> None:
    ids = [(await create(root, name)).json()["id"] for name in ("A", "B", "C")]
    response = await root.put(f"{BASE}/categories/order", json={"ids": list(reversed(ids))})
    assert response.status_code == 200, response.text
    assert [item["name"] for item in response.json()["items"]] == ["C", "B", "A"]
    assert [(item["name"], item["position"]) for item in await tree(root)] == [("C", 0), ("B", 1), ("A", 2)]
    bare = await root.put(f"{BASE}/categories/order", json=ids)  # the bare list works too
    assert [item["name"] for item in bare.json()["items"]] == ["A", "B", "C"]
    await root.put(f"{BASE}/categories/order", json={"ids": list(reversed(ids))})
    moved = await root.patch(f"/api/v1/categories/{ids[0]}", json={"position": 0})
    assert moved.status_code == 200
    assert [item["name"] for item in await tree(root)] == ["A", "C", "B"]


async def test_reordering_refuses_categories_of_another_community(troc: Any, root: Any, board: Board) -> None:
    await board.community("autre", template="vide-grenier")
    foreign = (await root.get("/api/v1/communities/autre/categories")).json()["items"][0]["id"]
    response = await root.put(f"{BASE}/categories/order", json={"ids": [foreign]})
    assert response.status_code == 400 and response.json()["extra"][0]["key"] == "ids"


async def test_archived_categories_are_flagged_and_can_come_back(troc: Any, root: Any) -> None:
    category = (await create(root, "Vinyles")).json()
    archived = await root.patch(f"/api/v1/categories/{category['id']}", json={"archived": True})
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert [item["archived"] for item in await tree(root)] == [True]
    hidden = await root.get(f"{BASE}/categories?include_archived=false")
    assert hidden.json()["items"] == []
    restored = await root.patch(f"/api/v1/categories/{category['id']}", json={"archived": False})
    assert restored.json()["archived"] is False


async def test_only_community_admins_curate_categories(troc: Any, root: Any, board: Board) -> None:
    alice = await board.someone("alice")
    await alice.post(f"{BASE}/join", json={})
    assert (await create(alice, "Pirate")).status_code == 403
    category = (await create(root, "Livres")).json()
    assert (await alice.patch(f"/api/v1/categories/{category['id']}", json={"name": "X"})).status_code == 403
    assert (await alice.put(f"{BASE}/categories/order", json={"ids": [category["id"]]})).status_code == 403
    assert len(await tree(alice)) == 1  # reading is fine


async def test_a_members_only_category_is_404_for_outsiders(board: Board, root: Any) -> None:
    await board.community("prive", visibility="members", template="vide-grenier")
    category = (await root.get("/api/v1/communities/prive/categories")).json()["items"][0]
    outsider = await board.someone("outsider")
    assert (await outsider.get(f"/api/v1/categories/{category['id']}")).status_code == 404
    patch = await outsider.patch(f"/api/v1/categories/{category['id']}", json={"name": "Pirate"})
    assert patch.status_code == 404


async def test_merging_moves_the_listings_and_archives_the_source(troc: Any, root: Any, board: Board) -> None:
    source = (await create(root, "Bouquins", attributes=["condition"])).json()
    target = (await create(root, "Livres", attributes=["brand"])).json()
    listing = await board.listing(root, "troc", category_id=source["id"], title="Romans policiers")
    await board.listing(root, "troc", category_id=source["id"], title="Bandes dessinées")
    await board.listing(root, "troc", category_id=target["id"], title="Dictionnaire")
    counts = {item["name"]: item["listing_count"] for item in await tree(root)}
    assert counts == {"Bouquins": 2, "Livres": 1}

    response = await root.post(f"/api/v1/categories/{source['id']}/merge", json={"into": target["id"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["moved"] == 2 and body["source"]["archived"] is True
    assert body["into"]["listing_count"] == 3 and set(body["into"]["attributes"]) == {"brand", "condition"}
    moved = (await root.get(f"/api/v1/listings/{listing['id']}")).json()
    assert moved["category_id"] == target["id"]
    counts = {item["name"]: item["listing_count"] for item in await tree(root)}
    assert counts == {"Bouquins": 0, "Livres": 3}


async def test_merging_needs_another_live_category_of_the_same_community(
    troc: Any, root: Any, board: Board
) -> None:
    source = (await create(root, "Bouquins")).json()
    assert (
        await root.post(f"/api/v1/categories/{source['id']}/merge", json={"into": source["id"]})
    ).status_code == 400
    await board.community("autre", template="vide-grenier")
    foreign = (await root.get("/api/v1/communities/autre/categories")).json()["items"][0]["id"]
    response = await root.post(f"/api/v1/categories/{source['id']}/merge", json={"into": foreign})
    assert response.status_code == 400 and response.json()["extra"][0]["key"] == "into"


async def test_listing_counts_follow_the_visibility_rule(board: Board, root: Any) -> None:
    await board.community("prive", visibility="members", template="none")
    category = (await root.post("/api/v1/communities/prive/categories", json={"name": "Jouets"})).json()
    await board.listing(root, "prive", category_id=category["id"], title="Puzzle 100 pièces")
    items = (await root.get("/api/v1/communities/prive/categories")).json()["items"]
    assert items[0]["listing_count"] == 1
    outsider = await board.someone("outsider")
    assert (await outsider.get("/api/v1/communities/prive/categories")).status_code == 404


async def test_a_parent_counts_the_listings_of_its_sub_categories(troc: Any, root: Any, board: Board) -> None:
    home = (await create(root, "Maison")).json()
    kitchen = (await create(root, "Cuisine", parent_id=home["id"])).json()
    await board.listing(root, "troc", category_id=kitchen["id"], title="Cocotte en fonte")
    counts = {item["name"]: item["listing_count"] for item in await tree(root)}
    assert counts == {"Maison": 1, "Cuisine": 1}


async def test_an_archived_category_takes_no_new_listing_but_its_listings_stay_readable(
    troc: Any, root: Any, board: Board
) -> None:
    home = (await create(root, "Maison")).json()
    kitchen = (await create(root, "Cuisine", parent_id=home["id"])).json()
    listing = await board.listing(root, "troc", category_id=kitchen["id"], title="Cocotte en fonte")
    await root.patch(f"/api/v1/categories/{home['id']}", json={"archived": True})
    for category_id in (home["id"], kitchen["id"]):  # a sub-category of an archived one is hidden too
        response = await board.post(root, "troc", category_id=category_id, title="Saladier")
        assert response.status_code == 400 and response.json()["extra"][0]["key"] == "category_id"
    assert (await root.get(f"/api/v1/listings/{listing['id']}")).status_code == 200
    assert (await root.get(f"{BASE}/categories?include_archived=false")).json()["items"] == []
