"""Creating, listing and editing communities through the API: what a site admin and visitors see."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.stories import Board

pytestmark = pytest.mark.anyio

QUARTIERS = ["Belleville", "Ménilmontant", "Gambetta", "Jourdain"]


async def test_site_admin_creates_a_community_from_a_template_and_gets_its_categories(
    root: Any, client: AsyncTestClient[Litestar]
) -> None:
    response = await root.post(
        "/api/v1/communities",
        json={
            "slug": "vide-dressing-20",
            "name": "Vide-dressing bébé/enfant du 20e",
            "description": "Vêtements et matériel pour les petits.",
            "rules": "Pas de vente au-dessus de 50 €.",
            "visibility": "members",
            "join_policy": "approval",
            "join_question": "Dans quel quartier du 20e habitez-vous ?",
            "pickup_areas": [*QUARTIERS, " Belleville "],
            "template": "vide-dressing",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] and body["slug"] == "vide-dressing-20"
    assert body["pickup_areas"] == QUARTIERS  # trimmed, duplicates dropped
    assert body["listing_lifetime_days"] == 30
    assert body["my_membership"]["role"] == "admin" and body["my_membership"]["status"] == "active"

    categories = (await root.get("/api/v1/communities/vide-dressing-20/categories")).json()
    by_name = {item["name"]: item for item in categories["items"]}
    assert {"Vêtements bébé", "Vêtements enfant", "Chaussures", "Accessoires", "Puériculture"} <= set(by_name)
    assert {"size", "gender", "brand", "season", "condition"} <= set(by_name["Vêtements bébé"]["attributes"])
    assert "shoe_size" in by_name["Chaussures"]["attributes"]
    assert "size" not in by_name["Chaussures"]["attributes"]
    assert [item["position"] for item in categories["items"]] == list(range(len(categories["items"])))
    assert all(item["listing_count"] == 0 and item["parent_id"] is None for item in categories["items"])


async def test_vide_grenier_template_starts_with_household_categories(board: Board, root: Any) -> None:
    await board.community("vide-grenier-20", template="vide-grenier")
    names = [
        item["name"]
        for item in (await root.get("/api/v1/communities/vide-grenier-20/categories")).json()["items"]
    ]
    for expected in ("Maison", "Cuisine", "Électroménager", "Jouets", "Jeux de société", "Livres", "Meubles"):
        assert expected in names


async def test_a_community_without_template_has_no_category(board: Board, root: Any) -> None:
    await board.community("troc-livres", template="none")
    assert (await root.get("/api/v1/communities/troc-livres/categories")).json()["items"] == []


async def test_non_admin_cannot_create_a_community(board: Board, client: AsyncTestClient[Litestar]) -> None:
    alice = await board.someone("alice")
    response = await alice.post("/api/v1/communities", json={"slug": "mon-groupe", "name": "Mon groupe"})
    assert response.status_code == 403
    anonymous = await client.post("/api/v1/communities", json={"slug": "mon-groupe", "name": "Mon groupe"})
    assert anonymous.status_code == 401
    assert (await client.get("/api/v1/communities")).json()["total"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "AB"),
        ("slug", "Vide Grenier"),
        ("slug", "x" * 65),
        ("name", "  "),
        ("visibility", "secret"),
        ("join_policy", "invite"),
        ("template", "brocante"),
        ("listing_lifetime_days", 0),
        ("listing_lifetime_days", 366),
    ],
)
async def test_invalid_community_fields_are_refused_naming_the_field(
    root: Any, field: str, value: Any
) -> None:
    body = {"slug": "groupe-ok", "name": "Groupe", field: value}
    response = await root.post("/api/v1/communities", json=body)
    assert response.status_code == 400
    assert field in [item["key"] for item in response.json()["extra"]]


async def test_a_slug_can_only_be_used_once(board: Board, root: Any) -> None:
    await board.community("vide-grenier")
    response = await root.post("/api/v1/communities", json={"slug": "vide-grenier", "name": "Autre"})
    assert response.status_code == 409


async def test_anyone_lists_every_community_including_members_only_ones(
    board: Board, client: AsyncTestClient[Litestar]
) -> None:
    await board.community("public-group", name="A public", visibility="public")
    await board.community(
        "secret-group", name="B secret", visibility="members", join_policy="approval", join_question="Où ?"
    )
    response = await client.get("/api/v1/communities")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] >= 2
    secret = body["items"][1]
    assert secret["slug"] == "secret-group" and secret["visibility"] == "members"
    assert secret["join_policy"] == "approval" and secret["join_question"] == "Où ?"
    assert secret["my_membership"] is None

    one = await client.get("/api/v1/communities/secret-group")
    assert one.status_code == 200 and one.json()["description"] == "Pour le quartier."
    assert (await client.get("/api/v1/communities/nope-nope")).status_code == 404

    paged = (await client.get("/api/v1/communities?per_page=1&page=2")).json()
    assert paged["total"] == 2 and [item["slug"] for item in paged["items"]] == ["secret-group"]


async def test_list_shows_my_membership_in_each_community(board: Board) -> None:
    await board.community("ouvert", name="A ouvert")
    await board.community("sur-demande", name="B sur demande", join_policy="approval")
    alice = await board.someone("alice")
    await alice.post("/api/v1/communities/ouvert/join", json={})
    await alice.post("/api/v1/communities/sur-demande/join", json={"answer": "Rue des Pyrénées"})
    items = (await alice.get("/api/v1/communities")).json()["items"]
    assert [(item["my_membership"]["status"], item["my_membership"]["role"]) for item in items] == [
        ("active", "member"),
        ("pending", "member"),
    ]


async def test_non_member_gets_404_on_a_members_only_communitys_categories(
    board: Board, client: AsyncTestClient[Litestar]
) -> None:
    await board.community("prive", visibility="members", template="vide-grenier")
    alice = await board.someone("alice")
    assert (await alice.get("/api/v1/communities/prive/categories")).status_code == 404
    assert (await client.get("/api/v1/communities/prive/categories")).status_code == 404
    await board.community("public", template="vide-grenier")
    assert (await client.get("/api/v1/communities/public/categories")).status_code == 200


async def test_community_admin_edits_the_settings_and_others_cannot(board: Board, root: Any) -> None:
    await board.community("vide-grenier")
    response = await root.patch(
        "/api/v1/communities/vide-grenier",
        json={
            "name": "Vide-grenier du 20e",
            "join_policy": "approval",
            "join_question": "Votre rue ?",
            "pickup_areas": ["Jourdain"],
            "listing_lifetime_days": 14,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Vide-grenier du 20e" and body["join_policy"] == "approval"
    assert body["pickup_areas"] == ["Jourdain"] and body["listing_lifetime_days"] == 14
    assert body["description"] == "Pour le quartier."  # untouched

    alice = await board.someone("alice")
    await alice.post("/api/v1/communities/vide-grenier/join", json={"answer": "Rue de la Mare"})
    assert (await alice.patch("/api/v1/communities/vide-grenier", json={"name": "Pirate"})).status_code == 403
    bad = await root.patch("/api/v1/communities/vide-grenier", json={"visibility": "hidden"})
    assert bad.status_code == 400 and bad.json()["extra"][0]["key"] == "visibility"
