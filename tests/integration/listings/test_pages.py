"""The listing pages, as a browser uses them: forms with CSRF, 303s, and messages in French."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from tests.stories import Board, sign_in

pytestmark = pytest.mark.anyio


async def test_browse_page_shows_cards_with_kind_price_and_quartier(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    await board.listing(nadia, title="Lampe de bureau", pickup_area="Jourdain")
    sale = await board.listing(
        nadia, title="Vélo enfant", category="Vélos et trottinettes", kind="sell", price=25
    )
    await nadia.post(f"/api/v1/listings/{sale['id']}/status", json={"status": "reserved"})
    page = await client.get("/communities/vide-grenier-test")
    assert page.status_code == 200
    html = page.text
    assert "Lampe de bureau" in html and "Gratuit" in html and "Jourdain" in html
    assert "Vélo enfant" in html and "25,00" in html and "Réservée" in html
    assert html.index("Vélo enfant") < html.index("Lampe de bureau")  # newest first
    filtered = await client.get("/communities/vide-grenier-test?kind=sell")
    assert "Vélo enfant" in filtered.text and "Lampe de bureau" not in filtered.text


async def test_htmx_filter_gets_only_the_results(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    await board.listing(nadia, title="Lampe de bureau")
    partial = await client.get(
        "/communities/vide-grenier-test?kind=give", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert partial.status_code == 200
    assert (
        'id="results"' in partial.text and "<html" not in partial.text and "Lampe de bureau" in partial.text
    )


async def test_members_only_browse_page_sends_outsiders_to_the_about_page(board: Board, client: Any) -> None:
    await board.community("entre-nous", visibility="members")
    response = await client.get("/communities/entre-nous", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/communities/entre-nous/about"


async def test_new_listing_form_posts_with_csrf_and_creates_the_listing(board: Board, client: Any) -> None:
    await board.community("vide-dressing-test", template="vide-dressing")
    lea = await board.member("lea", "vide-dressing-test")
    token = await sign_in(client, lea)
    form = await client.get("/listings/new")
    assert form.status_code == 200
    assert (
        'name="attributes.size"' in form.text
        and "18 mois" in form.text
        and 'name="attributes.shoe_size"' in form.text
    )
    category = await board.category_id("Vêtements bébé", "vide-dressing-test")
    response = await client.post(
        "/listings/new",
        data={
            "_csrf_token": token,
            "community": "vide-dressing-test",
            "kind": "sell",
            "title": "Gigoteuse 6-18 mois",
            "category_id": category,
            "description": "Très chaude.",
            "price": "8,50",
            "condition": "bon_etat",
            "attributes.size": "6 mois",
            "attributes.gender": "",
            "pickup_area": "Gambetta",
            "action": "publish",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    detail = await client.get(response.headers["location"])
    assert "Gigoteuse 6-18 mois" in detail.text and "8,50" in detail.text and "Bon état" in detail.text
    assert "Votre annonce est publiée." in detail.text
    mine = await lea.get("/api/v1/me/listings")
    assert mine.json()["items"][0]["price"] == 8.5


async def test_new_listing_form_without_csrf_is_refused(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    await sign_in(client, nadia)
    response = await client.post(
        "/listings/new", data={"community": "vide-grenier-test", "title": "Sans jeton"}
    )
    assert response.status_code == 403
    assert (await nadia.get("/api/v1/me/listings")).json()["total"] == 0


async def test_invalid_form_comes_back_with_messages_and_input(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    token = await sign_in(client, nadia)
    response = await client.post(
        "/listings/new",
        data={
            "_csrf_token": token,
            "community": "vide-grenier-test",
            "kind": "give",
            "title": "Fauteuil en rotin",
            "category_id": await board.category_id("Meubles"),
            "price": "15",
        },
    )
    assert response.status_code == 400
    assert "Fauteuil en rotin" in response.text and "Seule une vente a un prix" in response.text


async def test_stale_edit_keeps_the_users_input_and_says_why(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, title="Lampe de bureau")
    token = await sign_in(client, nadia)
    form = await client.get(f"/listings/{listing['id']}/edit")
    assert form.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', form.text)
    assert version is not None
    # Meanwhile, on the phone:
    await nadia.patch(
        f"/api/v1/listings/{listing['id']}",
        json={"version": listing["version"], "title": "Lampe (téléphone)"},
    )
    fields = {
        "_csrf_token": token,
        "version": version.group(1),
        "kind": "give",
        "title": "Lampe articulée, ampoule fournie",
        "category_id": listing["category_id"],
        "description": "Texte long tapé sur l'ordinateur.",
    }
    stale = await client.post(f"/listings/{listing['id']}/edit", data=fields)
    assert stale.status_code == 409
    assert "modifiée entre-temps" in stale.text
    assert (
        "Lampe articulée, ampoule fournie" in stale.text
        and "Texte long tapé sur l'ordinateur." in unescape(stale.text)
    )
    assert (await nadia.get(f"/api/v1/listings/{listing['id']}")).json()["title"] == "Lampe (téléphone)"
    # Saving again applies the kept input over the version now stored.
    new_version = re.search(r'name="version" value="(\d+)"', stale.text)
    assert new_version is not None
    saved = await client.post(
        f"/listings/{listing['id']}/edit",
        data={**fields, "version": new_version.group(1)},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert (await nadia.get(f"/api/v1/listings/{listing['id']}")).json()[
        "title"
    ] == "Lampe articulée, ampoule fournie"


async def test_detail_page_offers_the_author_their_actions(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, draft=True)
    token = await sign_in(client, nadia)
    page = await client.get(f"/listings/{listing['id']}")
    assert page.status_code == 200 and "Brouillon" in page.text and "Publier" in page.text
    published = await client.post(
        f"/listings/{listing['id']}/status",
        data={"_csrf_token": token, "status": "available", "version": str(listing["version"])},
    )
    assert published.status_code == 200 and "Votre annonce est en ligne." in published.text
    assert "Marquer comme réservée" in published.text and "Retirer l'annonce" in unescape(published.text)
    refused = await client.post(
        f"/listings/{listing['id']}/status", data={"_csrf_token": token, "status": "draft"}
    )
    assert refused.status_code == 200 and "Impossible de passer" in refused.text


async def test_moderator_removes_from_the_page_and_the_author_reads_why(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    momo = await board.member("momo", role="moderator")
    listing = await board.listing(nadia)
    token = await sign_in(client, momo)
    page = await client.get(f"/listings/{listing['id']}")
    assert "Supprimer l'annonce" in unescape(page.text)
    await client.post(
        f"/listings/{listing['id']}/status",
        data={"_csrf_token": token, "status": "removed", "reason": "Vente d'animaux interdite"},
    )
    await client.post("/logout", data={"_csrf_token": token})
    await sign_in(client, nadia)
    seen = await client.get(f"/listings/{listing['id']}")
    assert "supprimée par la modération" in seen.text and "Vente d'animaux interdite" in unescape(seen.text)


async def test_my_listings_page_groups_by_status_drafts_first(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    await board.listing(nadia, title="Annonce en ligne")
    await board.listing(nadia, title="Annonce en brouillon", draft=True)
    await sign_in(client, nadia)
    page = await client.get("/my/listings")
    assert page.status_code == 200
    assert page.text.index("Annonce en brouillon") < page.text.index("Annonce en ligne")


async def test_my_listings_shows_each_status_newest_few_and_pages_through_the_rest(
    board: Board, client: Any
) -> None:
    """An author with hundreds of listings: the page shows the newest few of each status and
    how many there are, and each status's whole list a page at a time."""
    await board.community()
    nadia = await board.member("nadia")
    for number in range(10):
        listing = await board.listing(nadia, title=f"Livre de poche {number}")
        done = await nadia.post(f"/api/v1/listings/{listing['id']}/status", json={"status": "done"})
        assert done.status_code == 200, done.text
    await board.listing(nadia, title="Lampe en ligne")
    await sign_in(client, nadia)
    page = unescape((await client.get("/my/listings")).text)
    relist = "Republier « Livre de poche"  # one button per card of what is over
    assert "Lampe en ligne" in page and "Livre de poche 9" in page and f"{relist} 1 »" not in page
    assert page.count(relist) == 8
    assert "Voir les 10 annonces" in page and 'href="/my/listings?statut=done"' in page
    done_page = unescape((await client.get("/my/listings?statut=done")).text)
    assert done_page.count(relist) == 10 and "Lampe en ligne" not in done_page
    refused = await client.get("/my/listings?statut=parti")
    assert refused.status_code == 400 and "Statut inconnu" in unescape(refused.text)


async def test_pages_need_a_login(client: Any) -> None:
    for path in ("/listings/new", "/my/listings"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 302 and response.headers["location"].startswith("/login")


async def test_outsider_gets_a_404_page_for_a_members_only_listing(board: Board, client: Any) -> None:
    await board.community("entre-nous", visibility="members")
    nadia = await board.member("nadia", "entre-nous")
    listing = await board.listing(nadia, "entre-nous")
    assert (await client.get(f"/listings/{listing['id']}")).status_code == 404


async def test_choosing_a_category_offers_its_own_attribute_inputs(board: Board, client: Any) -> None:
    await board.community("vide-dressing-test", template="vide-dressing")
    lea = await board.member("lea", "vide-dressing-test")
    await sign_in(client, lea)
    shoes = await board.category_id("Chaussures", "vide-dressing-test")
    everything = await client.get("/listings/new?community=vide-dressing-test")
    assert 'name="attributes.size"' in everything.text and 'name="attributes.shoe_size"' in everything.text
    only_shoes = await client.get(
        f"/listings/fields?community=vide-dressing-test&category_id={shoes}&attributes.shoe_size=24",
        headers={"HX-Request": "true"},
    )
    assert only_shoes.status_code == 200
    assert (
        'name="attributes.shoe_size"' in only_shoes.text and 'name="attributes.size"' not in only_shoes.text
    )
    assert '<option value="24" selected>' in only_shoes.text  # what was chosen is kept


async def test_the_form_labels_each_attribute_and_each_condition_in_french(board: Board, client: Any) -> None:
    await board.community("vide-dressing-test", template="vide-dressing")
    lea = await board.member("lea", "vide-dressing-test")
    await sign_in(client, lea)
    form = (await client.get("/listings/new?community=vide-dressing-test")).text
    labels = dict(re.findall(r'<label for="(attributes\.\w+|condition)">([^<]+)</label>', form))
    assert labels == {
        "condition": "État",
        "attributes.size": "Taille",
        "attributes.shoe_size": "Pointure",
        "attributes.gender": "Genre",
        "attributes.brand": "Marque",
        "attributes.season": "Saison",
    }
    conditions = form[form.index('<select id="condition"') :].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\w+)"\s*>([^<]+)</option>', conditions) == [
        ("neuf_avec_etiquette", "Neuf avec étiquette"),
        ("neuf_sans_etiquette", "Neuf sans étiquette"),
        ("tres_bon_etat", "Très bon état"),
        ("bon_etat", "Bon état"),
        ("satisfaisant", "Satisfaisant"),
    ]
