"""The communities' pages, in French, driven with plain form posts as a browser without JS would."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.stories import Board, sign_in

pytestmark = pytest.mark.anyio

QUESTION = "Dans quel quartier du 20e habitez-vous ?"


async def post_form(client: AsyncTestClient[Litestar], url: str, *, data: dict[str, Any]) -> Any:
    """A form POST as a browser sends it; the 303 that follows success is returned, not followed."""
    return await client.post(url, data=data, follow_redirects=False)


@pytest.fixture
async def dressing(board: Board) -> dict[str, Any]:
    return await board.community(
        "vide-dressing",
        name="Vide-dressing bébé",
        visibility="members",
        join_policy="approval",
        join_question=QUESTION,
        rules="Pas de revente.",
        pickup_areas=["Belleville", "Jourdain"],
        template="vide-dressing",
    )


async def test_home_page_lists_communities_with_their_join_policy(
    client: AsyncTestClient[Litestar], dressing: Any, board: Board
) -> None:
    await board.community("vide-grenier", name="Vide-grenier du 20e")
    response = await client.get("/")
    assert response.status_code == 200
    page = response.text
    assert "Entre voisins du 20e" in page and "Vide-dressing bébé" in page and "Vide-grenier du 20e" in page
    assert "Réservé aux membres" in page and "Adhésion sur validation" in page and "Ouvert à tous" in page
    assert 'href="/communities/vide-dressing/about"' in page
    listing = await client.get("/communities")
    assert listing.status_code == 200 and "Vide-dressing bébé" in listing.text


async def test_home_page_shows_my_status_in_each_community(
    client: AsyncTestClient[Litestar], dressing: Any, board: Board
) -> None:
    alice = await board.someone("alice")
    await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Belleville"})
    await sign_in(client, alice)
    page = (await client.get("/")).text
    assert "En attente" in page


async def test_about_page_invites_visitors_to_log_in_and_come_back(
    client: AsyncTestClient[Litestar], dressing: Any
) -> None:
    response = await client.get("/communities/vide-dressing/about")
    assert response.status_code == 200
    page = response.text
    assert "Pas de revente." in page and "Belleville" in page and "Jourdain" in page
    assert "/login?next=/communities/vide-dressing/about" in page.replace("%2F", "/")
    assert "réservées à ses membres" in page
    assert (await client.get("/communities/inconnu/about")).status_code == 404


async def test_applying_with_the_join_form_shows_the_pending_state(
    client: AsyncTestClient[Litestar], dressing: Any, board: Board
) -> None:
    alice = await board.someone("alice")
    token = await sign_in(client, alice)
    form = (await client.get("/communities/vide-dressing/about")).text
    assert QUESTION in form and "Demander à rejoindre" in form

    missing = await post_form(
        client, "/communities/vide-dressing/join", data={"answer": "", "_csrf_token": token}
    )
    assert missing.status_code == 400 and "Répondez à la question" in missing.text

    response = await post_form(
        client, "/communities/vide-dressing/join", data={"answer": "Rue des Pyrénées", "_csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/communities/vide-dressing/about"
    page = (await client.get("/communities/vide-dressing/about")).text
    assert "Votre demande est en attente" in page and "Rue des Pyrénées" in page
    mine = (await alice.get("/api/v1/communities/vide-dressing")).json()["my_membership"]
    assert mine["status"] == "pending"


async def test_a_form_post_without_the_csrf_token_is_refused(
    client: AsyncTestClient[Litestar], dressing: Any, board: Board
) -> None:
    alice = await board.someone("alice")
    await sign_in(client, alice)
    response = await post_form(client, "/communities/vide-dressing/join", data={"answer": "Belleville"})
    assert response.status_code == 403
    assert (await alice.get("/api/v1/communities/vide-dressing")).json()["my_membership"] is None


async def test_joining_an_open_community_from_its_page_leads_to_its_listings(
    client: AsyncTestClient[Litestar], board: Board
) -> None:
    await board.community("vide-grenier")
    alice = await board.someone("alice")
    token = await sign_in(client, alice)
    assert ">Rejoindre<" in (await client.get("/communities/vide-grenier/about")).text.replace("\n", "")
    response = await post_form(client, "/communities/vide-grenier/join", data={"_csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/communities/vide-grenier"
    page = (await client.get("/communities/vide-grenier/about")).text
    assert "Vous êtes membre" in page and "Quitter le groupe" in page

    left = await post_form(client, "/communities/vide-grenier/leave", data={"_csrf_token": token})
    assert left.status_code == 303
    assert (await alice.get("/api/v1/communities/vide-grenier")).json()["my_membership"] is None


async def test_moderator_handles_applicants_from_the_members_page(
    client: AsyncTestClient[Litestar], dressing: Any, root: Any, board: Board
) -> None:
    alice, bruno = await board.someone("alice"), await board.someone("bruno")
    await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Rue des Pyrénées"})
    await bruno.post("/api/v1/communities/vide-dressing/join", json={"answer": "Montreuil"})
    token = await sign_in(client, root)

    page = await client.get("/communities/vide-dressing/members")
    assert page.status_code == 200
    assert "Demandes en attente" in page.text and "Rue des Pyrénées" in page.text and "Accepter" in page.text

    approved = await post_form(
        client, f"/communities/vide-dressing/members/{alice.id}/approve", data={"_csrf_token": token}
    )
    assert approved.status_code == 303
    rejected = await post_form(
        client,
        f"/communities/vide-dressing/members/{bruno.id}/reject",
        data={"message": "Réservé aux habitants du 20e.", "_csrf_token": token},
    )
    assert rejected.status_code == 303
    assert (await alice.get("/api/v1/communities/vide-dressing")).json()["my_membership"][
        "status"
    ] == "active"

    # The rejected applicant reads the message on the about page.
    client.cookies.clear()
    await sign_in(client, bruno)
    about = (await client.get("/communities/vide-dressing/about")).text
    assert "Votre demande a été refusée" in about and "Réservé aux habitants du 20e." in about


async def test_members_page_is_for_moderators_only(
    client: AsyncTestClient[Litestar], dressing: Any, board: Board
) -> None:
    alice = await board.member("alice", "vide-dressing")
    await sign_in(client, alice)
    assert (await client.get("/communities/vide-dressing/members")).status_code == 403
    client.cookies.clear()
    anonymous = await client.get("/communities/vide-dressing/members", follow_redirects=False)
    assert anonymous.status_code == 302 and anonymous.headers["location"].startswith("/login")


async def test_admin_promotes_a_member_from_the_members_page(
    client: AsyncTestClient[Litestar], dressing: Any, root: Any, board: Board
) -> None:
    alice = await board.member("alice", "vide-dressing")
    token = await sign_in(client, root)
    response = await post_form(
        client,
        f"/communities/vide-dressing/members/{alice.id}/role",
        data={"role": "moderator", "_csrf_token": token},
    )
    assert response.status_code == 303
    assert (await alice.get("/api/v1/communities/vide-dressing/members")).status_code == 200

    # The last admin cannot demote themself: the page says why.
    refused = await post_form(
        client,
        f"/communities/vide-dressing/members/{root.id}/role",
        data={"role": "member", "_csrf_token": token},
    )
    assert refused.status_code == 303
    assert "dernier administrateur" in (await client.get("/communities/vide-dressing/members")).text


async def test_site_admin_creates_a_community_with_the_form(
    client: AsyncTestClient[Litestar], root: Any
) -> None:
    token = await sign_in(client, root)
    form = await client.get("/communities/new")
    assert form.status_code == 200 and "Créer un groupe" in form.text and "Vide-grenier" in form.text
    response = await post_form(
        client,
        "/communities/new",
        data={
            "slug": "vide-grenier-20",
            "name": "Vide-grenier du 20e",
            "description": "Objets de la maison.",
            "visibility": "public",
            "join_policy": "open",
            "pickup_areas": ["Belleville", "Gambetta"],
            "other_areas": "Square Sarah Bernhardt",
            "template": "vide-grenier",
            "listing_lifetime_days": "21",
            "_csrf_token": token,
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/communities/vide-grenier-20/about"
    body = (await root.get("/api/v1/communities/vide-grenier-20")).json()
    assert body["pickup_areas"] == ["Belleville", "Gambetta", "Square Sarah Bernhardt"]
    assert body["listing_lifetime_days"] == 21
    categories = (await root.get("/api/v1/communities/vide-grenier-20/categories")).json()
    assert categories["total"] > 10

    invalid = await post_form(
        client, "/communities/new", data={"slug": "X", "name": "", "template": "none", "_csrf_token": token}
    )
    assert invalid.status_code == 400 and "minuscules" in invalid.text


async def test_only_site_admins_see_the_creation_form(
    client: AsyncTestClient[Litestar], board: Board
) -> None:
    alice = await board.someone("alice")
    await sign_in(client, alice)
    assert (await client.get("/communities/new")).status_code == 403


async def test_admin_edits_the_settings_with_the_form(
    client: AsyncTestClient[Litestar], dressing: Any, root: Any
) -> None:
    token = await sign_in(client, root)
    form = await client.get("/communities/vide-dressing/settings")
    assert form.status_code == 200 and "Réglages du groupe" in form.text and QUESTION in form.text
    response = await post_form(
        client,
        "/communities/vide-dressing/settings",
        data={
            "name": "Vide-dressing des petits",
            "description": "Vêtements 0-16 ans.",
            "rules": "",
            "visibility": "public",
            "join_policy": "open",
            "join_question": "",
            "pickup_areas": "Charonne",
            "listing_lifetime_days": "45",
            "_csrf_token": token,
        },
    )
    assert response.status_code == 303, response.text
    body = (await root.get("/api/v1/communities/vide-dressing")).json()
    assert body["name"] == "Vide-dressing des petits" and body["visibility"] == "public"
    assert body["pickup_areas"] == ["Charonne"] and body["listing_lifetime_days"] == 45
    bad = await post_form(
        client,
        "/communities/vide-dressing/settings",
        data={
            "name": "X",
            "visibility": "public",
            "join_policy": "open",
            "listing_lifetime_days": "999",
            "_csrf_token": token,
        },
    )
    assert bad.status_code == 400 and "365" in bad.text


async def test_admin_curates_categories_from_the_page(
    client: AsyncTestClient[Litestar], board: Board, root: Any
) -> None:
    await board.community("troc", template="none")
    token = await sign_in(client, root)
    base = "/communities/troc/categories"
    for name in ("Maison", "Livres"):
        response = await post_form(
            client, base, data={"name": name, "attributes": ["condition"], "_csrf_token": token}
        )
        assert response.status_code == 303
    items = (await root.get("/api/v1/communities/troc/categories")).json()["items"]
    home, books = items[0], items[1]

    await post_form(client, f"{base}/{books['id']}/up", data={"_csrf_token": token})
    await post_form(
        client,
        base,
        data={"name": "Cuisine", "parent_id": home["id"], "attributes": ["brand"], "_csrf_token": token},
    )
    await post_form(
        client,
        f"{base}/{books['id']}/edit",
        data={
            "name": "Livres et BD",
            "parent_id": "",
            "attributes": ["condition", "brand"],
            "_csrf_token": token,
        },
    )
    await post_form(client, f"{base}/{home['id']}/archive", data={"_csrf_token": token})
    items = (await root.get("/api/v1/communities/troc/categories")).json()["items"]
    assert [(item["name"], item["archived"], item["parent_id"]) for item in items] == [
        ("Livres et BD", False, None),
        ("Maison", True, None),
        ("Cuisine", False, home["id"]),
    ]
    assert items[0]["attributes"] == ["brand", "condition"]

    page = await client.get(base)
    assert page.status_code == 200
    assert "Livres et BD" in page.text and "Archivée" in page.text and "Fusionner" in page.text

    duplicate = await post_form(client, base, data={"name": "Livres et BD", "_csrf_token": token})
    assert duplicate.status_code == 409 and "existe déjà" in duplicate.text


async def test_a_moderator_sees_the_members_page_without_role_controls(
    client: AsyncTestClient[Litestar], dressing: Any, root: Any, board: Board
) -> None:
    mona, alice = await board.member("mona", "vide-dressing", role="moderator"), await board.someone("alice")
    await alice.post("/api/v1/communities/vide-dressing/join", json={"answer": "Place des Fêtes"})
    token = await sign_in(client, mona)
    page = await client.get("/communities/vide-dressing/members")
    assert page.status_code == 200
    assert "Place des Fêtes" in page.text and "Refuser la demande" in page.text
    assert "Changer le rôle" not in page.text
    url = f"/communities/vide-dressing/members/{alice.id}/role"
    refused = await post_form(client, url, data={"role": "admin", "_csrf_token": token})
    assert refused.status_code == 303
    assert (await root.get("/api/v1/communities/vide-dressing/members?status=pending")).json()["total"] == 1
