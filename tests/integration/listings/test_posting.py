"""Posting a listing: who may, what it must say, drafts and publishing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stories import Board, csrf_token, sign_in

pytestmark = pytest.mark.anyio


def error_keys(response: Any) -> set[str]:
    return {item["key"] for item in response.json().get("extra", [])}


async def test_member_posts_a_gift_and_gets_the_whole_listing_back(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    response = await board.post(nadia, title="Lampe de bureau", condition="bon_etat", pickup_area="gambetta")
    assert response.status_code == 201, response.text
    listing = response.json()
    assert listing["id"] and listing["community"] == "vide-grenier-test"
    assert listing["category"] == "Maison" and listing["kind"] == "give" and listing["price"] is None
    assert listing["author"] == {"id": nadia.id, "display_name": "Nadia"}
    assert listing["status"] == "available" and listing["version"] >= 1
    assert listing["pickup_area"] == "Gambetta"  # the community's spelling
    assert listing["published_at"] and listing["expires_at"] > listing["published_at"]
    assert listing["removal_reason"] == "" and listing["ref"] is None
    read = await nadia.get(f"/api/v1/listings/{listing['id']}")
    assert read.status_code == 200 and read.json()["title"] == "Lampe de bureau"


async def test_listing_expires_after_the_community_lifetime(board: Board) -> None:
    await board.community(listing_lifetime_days=10)
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    from datetime import datetime

    published = datetime.fromisoformat(listing["published_at"])
    expires = datetime.fromisoformat(listing["expires_at"])
    assert (expires - published).days == 10


@pytest.mark.parametrize(
    ("kind", "price", "accepted"),
    [
        ("sell", 12.5, True),
        ("sell", 0, True),
        ("sell", None, False),
        ("sell", -1, False),
        ("sell", 12.345, False),
        ("sell", 100001, False),
        ("give", 5, False),
        ("give", None, True),
        ("wanted", 30, False),
        ("swap", 10, False),
    ],
)
async def test_price_rules_per_kind(board: Board, kind: str, price: Any, accepted: bool) -> None:
    await board.community()
    nadia = await board.member("nadia")
    extra = {"wanted_in_exchange": "Un tabouret"} if kind == "swap" else {}
    response = await board.post(nadia, kind=kind, price=price, **extra)
    if accepted:
        assert response.status_code == 201, response.text
        assert response.json()["price"] == price
    else:
        assert response.status_code == 400, response.text
        assert "price" in error_keys(response)


async def test_a_swap_says_what_is_wanted_and_only_a_swap_does(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    missing = await board.post(nadia, kind="swap")
    assert missing.status_code == 400 and "wanted_in_exchange" in error_keys(missing)
    refused = await board.post(nadia, kind="give", wanted_in_exchange="Des livres")
    assert refused.status_code == 400 and "wanted_in_exchange" in error_keys(refused)
    swap = await board.post(nadia, kind="swap", wanted_in_exchange="Des livres de poche")
    assert swap.status_code == 201 and swap.json()["wanted_in_exchange"] == "Des livres de poche"


async def test_every_invalid_field_is_named(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    response = await board.post(
        nadia, kind="lend", title="ab", description="x" * 5001, pickup_area="12 rue des Pyrénées"
    )
    assert response.status_code == 400
    assert {"kind", "title", "description", "pickup_area"} <= error_keys(response)


async def test_pickup_area_is_one_of_the_communitys_quartiers(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    response = await board.post(nadia, pickup_area="Montmartre")
    assert response.status_code == 400 and "pickup_area" in error_keys(response)
    assert "Belleville" in response.json()["extra"][0]["message"]


async def test_an_address_is_refused_where_any_quartier_is_accepted(board: Board) -> None:
    await board.community(pickup_areas=[])
    nadia = await board.member("nadia")
    address = await board.post(nadia, pickup_area="24 rue de Bagnolet")
    assert address.status_code == 400 and "pickup_area" in error_keys(address)
    quartier = await board.post(nadia, pickup_area="Métro Pelleport")
    assert quartier.status_code == 201 and quartier.json()["pickup_area"] == "Métro Pelleport"


async def test_attributes_follow_the_category_and_the_french_scales(board: Board) -> None:
    await board.community("vide-dressing-test", template="vide-dressing")
    lea = await board.member("lea", "vide-dressing-test")
    post = board.post
    ok = await post(
        lea,
        "vide-dressing-test",
        category="Vêtements bébé",
        title="Lot de bodies",
        condition="tres_bon_etat",
        attributes={"size": "0-6 mois", "gender": "mixte", "brand": "Petit Bateau"},
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["attributes"] == {"size": "0-6 mois", "gender": "mixte", "brand": "Petit Bateau"}
    bad_size = await post(lea, "vide-dressing-test", category="Vêtements bébé", attributes={"size": "XL"})
    assert bad_size.status_code == 400 and error_keys(bad_size) == {"attributes.size"}
    wrong_key = await post(
        lea, "vide-dressing-test", category="Vêtements bébé", attributes={"shoe_size": "20"}
    )
    assert wrong_key.status_code == 400 and error_keys(wrong_key) == {"attributes.shoe_size"}
    shoes = await post(lea, "vide-dressing-test", category="Chaussures", attributes={"shoe_size": "15-18"})
    assert shoes.status_code == 201 and shoes.json()["attributes"] == {"shoe_size": "15-18"}
    bad_condition = await post(lea, "vide-dressing-test", category="Chaussures", condition="comme neuf")
    assert bad_condition.status_code == 400 and error_keys(bad_condition) == {"condition"}


async def test_category_must_belong_to_the_community_and_not_be_archived(board: Board) -> None:
    await board.community()
    await board.community("autre-groupe")
    nadia = await board.member("nadia")
    elsewhere = await board.category_id("Maison", "autre-groupe")
    response = await board.post(nadia, category_id=elsewhere)
    assert response.status_code == 400 and "category_id" in error_keys(response)
    root = await board.root()
    cuisine = await board.category_id("Cuisine")
    archived = await root.patch(f"/api/v1/categories/{cuisine}", json={"archived": True})
    assert archived.status_code == 200, archived.text
    response = await board.post(nadia, category_id=cuisine)
    assert response.status_code == 400 and "category_id" in error_keys(response)


async def test_only_active_members_post(board: Board, client: Any) -> None:
    await board.community()
    await board.community("entre-nous", visibility="members", join_policy="approval")
    karim = await board.someone("karim")
    public = await board.post(karim)
    assert public.status_code == 403 and "Rejoignez" in public.json()["detail"]
    hidden = await board.post(karim, "entre-nous")
    assert hidden.status_code == 404
    anonymous = await client.post("/api/v1/communities/vide-grenier-test/listings", json={})
    assert anonymous.status_code == 401  # no session, no token: nothing to post as
    unknown = await board.post(karim, "nulle-part", category_id="00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404


async def test_draft_is_seen_by_its_author_only_until_published(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    karim = await board.member("karim")
    draft = await board.listing(nadia, draft=True)
    assert draft["status"] == "draft" and draft["published_at"] is None and draft["expires_at"] is None
    assert (await nadia.get(f"/api/v1/listings/{draft['id']}")).status_code == 200
    assert (await karim.get(f"/api/v1/listings/{draft['id']}")).status_code == 404
    browse = await karim.get("/api/v1/communities/vide-grenier-test/listings")
    assert browse.json()["total"] == 0
    published = await nadia.post(f"/api/v1/listings/{draft['id']}/status", json={"status": "available"})
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "available" and published.json()["published_at"]
    assert (await karim.get(f"/api/v1/listings/{draft['id']}")).status_code == 200
    mine = await nadia.get("/api/v1/me/listings")
    assert [item["id"] for item in mine.json()["items"]] == [draft["id"]]


async def test_forms_sent_back_lead_with_an_error_summary_linking_each_field(
    board: Board, client: Any
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    token = await sign_in(client, nadia)

    edit = await client.post(
        f"/listings/{listing['id']}/edit",
        data={
            "_csrf_token": token,
            "version": str(listing["version"]),
            "kind": "sell",
            "title": "L",
            "category_id": await board.category_id("Maison"),
            "price": "",
        },
    )
    assert edit.status_code == 400
    summary = edit.text.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    assert "Il y a un problème" in summary and 'role="alert"' in edit.text
    assert summary.index('href="#title"') < summary.index('href="#price"')  # the form's order
    assert 'aria-describedby="price-error"' in edit.text and 'value="L"' in edit.text

    client.cookies.clear()
    login = await client.post(
        "/login", data={"_csrf_token": await csrf_token(client), "email": nadia.email, "password": "faux"}
    )
    assert login.status_code in (400, 401) and "Il y a un problème" in login.text
    assert '<a href="#email">' in login.text and 'aria-describedby="email-error"' in login.text
    assert f'value="{nadia.email}"' in login.text  # what was typed stays (never the password)

    register = await client.post(
        "/register",
        data={
            "_csrf_token": await csrf_token(client),
            "email": "pas-une-adresse",
            "display_name": "",
            "password": "court",
        },
    )
    assert register.status_code == 400
    for field in ("email", "display_name", "password"):
        assert f'<a href="#{field}">' in register.text
    assert 'value="pas-une-adresse"' in register.text
