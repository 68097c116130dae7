"""Leaving the site: "Supprimer mon compte" (RGPD art. 17) removes what is the member's and
keeps what the other neighbours received; "Télécharger mes données" (art. 20) gives it all."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.discovery.conftest import indexed
from tests.stories import PASSWORD, Board, Person, add_photo, csrf_token, sign_in

pytestmark = pytest.mark.anyio


async def exchange(board: Board) -> tuple[Person, Person, dict[str, Any], str]:
    """Alice gives a lamp with a photo; Bob asks for it, Alice answers."""
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    listing = await board.listing(alice, title="Lampe de chevet bleue")
    await add_photo(alice, listing["id"])
    interest = await bob.post(
        f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour, je peux passer ?"}
    )
    assert interest.status_code == 201, interest.text
    conversation = interest.json()["id"]
    answer = await alice.post(
        f"/api/v1/conversations/{conversation}/messages", json={"body": "Oui, ce soir à 19 h."}
    )
    assert answer.status_code == 201, answer.text
    return alice, bob, listing, conversation


def media_files(app: Litestar) -> list[Path]:
    root = Path(app.state.settings.media.root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


async def search(who: Person, q: str) -> list[str]:
    response = await who.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


async def delete_by_page(client: AsyncTestClient[Litestar], who: Person, password: str) -> Any:
    await sign_in(client, who)
    token = await csrf_token(client)
    return await client.post(
        "/account/delete", data={"password": password, "_csrf_token": token}, follow_redirects=False
    )


async def test_deleting_an_account_withdraws_listings_deletes_photos_keeps_messages_as_ancien_membre(
    board: Board, app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    alice, bob, listing, conversation = await exchange(board)
    await indexed(app)
    assert await search(bob, "lampe") == [listing["id"]]
    assert media_files(app)

    page = await client.get("/account/delete")  # signed out: the login page is where it goes
    assert page.status_code in (302, 303, 401) or "Se connecter" in page.text
    wrong = await delete_by_page(client, alice, "pas le bon mot de passe")
    assert wrong.status_code == 400 and "Le mot de passe est incorrect." in wrong.text
    assert (await alice.get("/api/v1/auth/me")).status_code == 200  # nothing happened

    token = await csrf_token(client)
    done = await client.post(
        "/account/delete", data={"password": PASSWORD, "_csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303

    # Signed out everywhere, the token gone, the password no longer opens anything.
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert (await alice.get("/api/v1/auth/me")).status_code == 401
    login = await client.post(
        "/api/v1/auth/login",
        json={"email": alice.email, "password": PASSWORD},
        headers={"x-csrftoken": await csrf_token(client)},
    )
    assert login.status_code == 401

    # The listing is withdrawn and gone from the search; its photo files are deleted.
    seen = await bob.get(f"/api/v1/listings/{listing['id']}")
    assert seen.status_code == 404 or seen.json()["status"] == "withdrawn"
    await indexed(app)
    assert await search(bob, "lampe") == []
    assert media_files(app) == []

    # Bob keeps the conversation and both sides of it, Alice's shown as "Ancien membre".
    inbox = (await bob.get("/api/v1/conversations/")).json()["items"]
    assert [item["id"] for item in inbox] == [conversation]
    assert inbox[0]["other_name"] == "Ancien membre"
    messages = (await bob.get(f"/api/v1/conversations/{conversation}/messages")).json()["items"]
    assert [m["body"] for m in messages] == ["Bonjour, je peux passer ?", "Oui, ce soir à 19 h."]
    thread = await bob.client.get(f"/conversations/{conversation}", headers=bob.headers)
    assert "Ancien membre" in thread.text and "alice" not in thread.text.lower().split("<main", 1)[-1]

    # The membership is gone: the group counts Bob alone, and the address is free again.
    members = await (await board.root()).get("/api/v1/communities/vide-grenier-test/members")
    member_ids = [m["user_id"] for m in members.json()["items"]]
    assert bob.id in member_ids and alice.id not in member_ids
    again = await client.post(
        "/api/v1/auth/register", json={"email": alice.email, "password": PASSWORD, "display_name": "Alice 2"}
    )
    assert again.status_code == 202


async def test_the_last_admin_of_a_group_is_asked_to_name_another_first(
    board: Board, client: AsyncTestClient[Litestar]
) -> None:
    await board.community()
    await board.member("carla", role="admin")
    root = await board.root()
    root = await board.root()
    members = (await root.get("/api/v1/communities/vide-grenier-test/members")).json()["items"]
    admins = [m["user_id"] for m in members if m["role"] == "admin" and m["status"] == "active"]
    if root.id in admins:  # the creator steps down, Carla stays the only admin
        assert (await root.post("/api/v1/communities/vide-grenier-test/leave")).status_code in (200, 204)
    carla = await board.someone("carla")
    refused = await carla.post("/api/v1/account/deletion", json={"password": PASSWORD})
    assert refused.status_code == 409, refused.text
    assert "dernier administrateur" in refused.json()["detail"]
    assert (await carla.get("/api/v1/auth/me")).status_code == 200  # nothing was done
    members = (await root.get("/api/v1/communities/vide-grenier-test/members")).json()["items"]
    assert carla.id in [m["user_id"] for m in members]


async def test_the_export_holds_profile_memberships_listings_messages_notifications_and_photos(
    board: Board, app: Litestar
) -> None:
    alice, bob, _listing, _conversation = await exchange(board)
    response = await alice.get("/api/v1/account/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/zip")
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("donnees.json"))
    assert data["profile"]["email"] == alice.email and data["profile"]["display_name"] == "Alice"
    assert [m["community"] for m in data["memberships"]] == ["vide-grenier-test"]
    [mine] = data["listings"]
    assert mine["title"] == "Lampe de chevet bleue" and mine["status"] == "available"
    [photo] = mine["photos"]
    assert archive.read(photo["file"])[:4] == b"RIFF"  # the photo itself (WebP)
    [thread] = data["conversations"]
    assert thread["with"] == "Bob" and thread["role"] == "author"
    assert [(m["from_me"], m["body"]) for m in thread["messages"]] == [
        (False, "Bonjour, je peux passer ?"),
        (True, "Oui, ce soir à 19 h."),
    ]
    assert "saved_searches" in data
    assert any(n["event"].startswith("message") or n["kind"] == "messages" for n in data["notifications"])
    assert "password" not in json.dumps(data).lower().replace("password_changed_at", "")
    # Nobody else's data: Bob's export does not hold Alice's listing.
    theirs = json.loads(
        zipfile.ZipFile(io.BytesIO((await bob.get("/api/v1/account/export")).content)).read("donnees.json")
    )
    assert theirs["listings"] == [] and theirs["profile"]["email"] == bob.email


async def test_the_export_holds_the_saved_searches(board: Board) -> None:
    await board.community()
    alice = await board.member("alice")
    saved = await alice.post("/api/v1/saved-searches", json={"name": "Lampes", "q": "lampe"})
    assert saved.status_code == 201, saved.text
    data = json.loads(
        zipfile.ZipFile(io.BytesIO((await alice.get("/api/v1/account/export")).content)).read("donnees.json")
    )
    assert [item["name"] for item in data["saved_searches"]] == ["Lampes"]


async def test_the_account_page_links_to_export_and_deletion(
    board: Board, client: AsyncTestClient[Litestar]
) -> None:
    alice = await board.someone("alice")
    await sign_in(client, alice)
    page = await client.get("/account")
    assert 'href="/account/export"' in page.text and 'href="/account/delete"' in page.text
    form = await client.get("/account/delete")
    assert form.status_code == 200 and 'name="password"' in form.text
    download = await client.get("/account/export")
    assert download.status_code == 200 and zipfile.is_zipfile(io.BytesIO(download.content))
