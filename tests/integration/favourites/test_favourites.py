"""Favourites ("Garder de côté"): a member keeps listings aside and finds them on /favoris,
told what became of each; nobody else sees them; the visibility rule still decides what a
favourite shows, and a deleted account takes its favourites with it."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from marketplace.favourites.models import Favourite
from marketplace.operations import transaction
from tests.stories import PASSWORD, Board, Person, sign_in

pytestmark = pytest.mark.anyio

MISSING = "01a2423e-0000-7000-8000-000000000000"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def keep(who: Person, listing: dict[str, Any]) -> Any:
    return await who.put(f"/api/v1/listings/{listing['id']}/favourite")


async def states(who: Person) -> dict[str, str]:
    return {item["listing_id"]: item["state"] for item in ok(await who.get("/api/v1/favourites"))["items"]}


async def test_a_member_keeps_a_listing_aside_and_lets_it_go(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    karim = await board.member("karim")
    listing = await board.listing(nadia)
    first = ok(await keep(karim, listing))
    assert (first["state"], first["listing"]["title"]) == ("available", "Lampe de bureau")
    assert ok(await keep(karim, listing))["kept_at"] == first["kept_at"]  # again: nothing changes
    assert await states(karim) == {listing["id"]: "available"}
    ok(await karim.delete(f"/api/v1/listings/{listing['id']}/favourite"), 204)
    ok(await karim.delete(f"/api/v1/listings/{listing['id']}/favourite"), 204)  # already gone
    assert await states(karim) == {}
    # Private: the author and the other neighbours never see who keeps what.
    ok(await keep(karim, listing))
    assert await states(nadia) == {}
    assert "karim" not in (await nadia.get(f"/api/v1/listings/{listing['id']}")).text.lower()


async def test_the_button_toggles_in_place_with_htmx_and_works_without_it(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    karim = await board.member("karim")
    listing = await board.listing(nadia)
    token = await sign_in(client, karim)
    path = f"/listings/{listing['id']}/favourite"
    plain = await client.post(path, data={"_csrf_token": token}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"/listings/{listing['id']}"
    assert "Gardée de côté" in (await client.get(path, headers={"hx-request": "true"})).text
    swapped = await client.post(f"{path}/delete", data={"_csrf_token": token}, headers={"hx-request": "true"})
    assert swapped.status_code == 200 and "<html" not in swapped.text
    assert f'action="{path}"' in swapped.text and "Garder de côté" in swapped.text
    again = await client.post(path, data={"_csrf_token": token}, headers={"hx-request": "true"})
    assert f'action="{path}/delete"' in again.text
    assert listing["title"] in (await client.get("/favoris")).text


async def test_the_favourites_page_tells_what_became_of_each(board: Board, client: Any) -> None:
    await board.community()
    nadia = await board.member("nadia")
    karim = await board.member("karim")
    titles = ("Poussette canne", "Chaise haute", "Vélo enfant", "Lit parapluie")
    available, reserved, done, withdrawn = [await board.listing(nadia, title=title) for title in titles]
    for listing in (available, reserved, done, withdrawn):
        ok(await keep(karim, listing))
    for listing, status in ((reserved, "reserved"), (done, "done"), (withdrawn, "withdrawn")):
        ok(await nadia.post(f"/api/v1/listings/{listing['id']}/status", json={"status": status}))
    assert await states(karim) == {
        available["id"]: "available",
        reserved["id"]: "reserved",
        done["id"]: "gone",
        withdrawn["id"]: "gone",
    }
    await sign_in(client, karim)
    page = (await client.get("/favoris")).text
    on_line, _, over = page.partition("Plus disponibles")
    assert "Poussette canne" in on_line and "Chaise haute" in on_line and "Réservée pour un autre" in on_line
    assert "Vélo enfant" in over and "trouvé preneur" in over
    assert "Lit parapluie" in over and "retirée" in over


async def test_a_favourite_one_may_no_longer_read_shows_neither_its_title_nor_its_group(
    board: Board, client: Any
) -> None:
    await board.community("entre-voisins", visibility="members", join_policy="approval")
    nadia = await board.member("nadia", "entre-voisins")
    karim = await board.member("karim", "entre-voisins")
    listing = await board.listing(nadia, "entre-voisins", title="Trottinette rouge")
    ok(await keep(karim, listing))
    ok(await karim.post("/api/v1/communities/entre-voisins/leave"))
    (item,) = ok(await karim.get("/api/v1/favourites"))["items"]
    assert (item["state"], item["listing"]) == ("unavailable", None)
    await sign_in(client, karim)
    page = (await client.get("/favoris")).text
    assert "n'est plus disponible" in page
    assert "Trottinette" not in page and "Entre Voisins" not in page
    assert f'href="/listings/{listing["id"]}"' not in page  # no link to what answers 404
    # Keeping it again is the 404 of a listing that does not exist.
    hidden, missing = await keep(karim, listing), await karim.put(f"/api/v1/listings/{MISSING}/favourite")
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    # Back in the group, it is back as it was.
    await board.member("karim", "entre-voisins")
    assert await states(karim) == {listing["id"]: "available"}
    # A listing the moderators removed is no longer available either.
    moderator = await board.member("mo", "entre-voisins", role="moderator")
    ok(
        await moderator.post(
            f"/api/v1/listings/{listing['id']}/status", json={"status": "removed", "reason": "Spam"}
        )
    )
    assert await states(karim) == {listing["id"]: "unavailable"}


async def test_a_deleted_account_takes_its_favourites_and_the_export_lists_them(
    board: Board, app: Litestar
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    karim = await board.member("karim")
    listing = await board.listing(nadia)
    ok(await keep(karim, listing))
    export = await karim.get("/api/v1/account/export")
    assert export.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(export.content)).read("donnees.json"))
    assert [(item["listing_id"], item["title"]) for item in data["favourites"]] == [
        (listing["id"], "Lampe de bureau")
    ]
    ok(await karim.post("/api/v1/account/deletion", json={"password": PASSWORD}))
    async with transaction(app.state.settings) as session:
        left = await session.scalar(select(func.count()).select_from(Favourite))
    assert left == 0  # the account row stays, emptied: its favourites do not
    assert ok(await nadia.get(f"/api/v1/listings/{listing['id']}"))["status"] == "available"
