"""Relisting in one click ("Republier"): a done, withdrawn or expired listing is back online with
a new publication date and a fresh lifetime, under the group's posting rules, by its author
only, and the search finds it again."""

from __future__ import annotations

import dataclasses
import datetime
import html
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from marketplace.indexing.index import use_search_index
from marketplace.listings.service import ListingService
from marketplace.notifications.compose import relist_token
from marketplace.operations import transaction
from marketplace.settings import SearchSettings, Settings
from tests.integration.discovery.conftest import indexed
from tests.integration.discovery.memory_index import MemoryIndex
from tests.stories import SLUG, Board, Person, sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, search=SearchSettings("", "", tmp_path / "search"))


@pytest.fixture
def memory_index(settings: Settings) -> Iterator[MemoryIndex]:
    index = MemoryIndex()
    use_search_index(settings, index)
    yield index


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def move(who: Person, listing: dict[str, Any], status: str, **extra: Any) -> dict[str, Any]:
    return dict(
        ok(await who.post(f"/api/v1/listings/{listing['id']}/status", json={"status": status, **extra}))
    )


async def relist(who: Person, listing: dict[str, Any]) -> Any:
    return await who.post(f"/api/v1/listings/{listing['id']}/relist")


async def test_done_withdrawn_and_expired_listings_are_relisted_for_a_fresh_lifetime(
    board: Board, app: Litestar
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    done = await board.listing(nadia, title="Lampe de chevet")
    withdrawn = await board.listing(nadia, title="Chaise pliante")
    expired = await board.listing(nadia, title="Table basse")
    await move(nadia, done, "done")
    await move(nadia, withdrawn, "withdrawn")
    later = datetime.datetime.fromisoformat(expired["expires_at"]) + datetime.timedelta(minutes=1)
    async with transaction(app.state.settings) as session:
        assert await ListingService(session=session).expire_due(later) == 1  # the third, still available
    for before in (done, withdrawn, expired):
        after = ok(await relist(nadia, before))
        assert after["status"] == "available"
        assert after["published_at"] > before["published_at"]
        assert after["expires_at"] > before["expires_at"]
    # A second click finds it on line: refused, nothing written twice.
    again = await relist(nadia, done)
    assert again.status_code == 409 and "Disponible" in again.json()["detail"]


async def test_the_republier_button_relists_from_my_listings_without_javascript(
    board: Board, client: Any
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia, title="Chaise pliante")
    await move(nadia, listing, "withdrawn")
    token = await sign_in(client, nadia)
    mine = await client.get("/my/listings")
    assert f'action="/listings/{listing["id"]}/relist"' in mine.text
    answer = await client.post(
        f"/listings/{listing['id']}/relist",
        data={"_csrf_token": token, "next": "/my/listings"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/my/listings"
    page = await client.get("/my/listings")
    assert "de nouveau en ligne" in page.text
    assert ok(await nadia.get(f"/api/v1/listings/{listing['id']}"))["status"] == "available"
    # The listing's own page offers the button for what is over, never for what is on line.
    assert (
        f'action="/listings/{listing["id"]}/relist"'
        not in (await client.get(f"/listings/{listing['id']}")).text
    )
    await move(nadia, listing, "done")
    assert "Republier" in (await client.get(f"/listings/{listing['id']}")).text


async def test_relisting_obeys_the_groups_cap_with_the_message_of_posting(board: Board) -> None:
    await board.community()
    root = await board.root()
    ok(await root.patch(f"/api/v1/communities/{SLUG}", json={"max_active_listings": 1}))
    nadia = await board.member("nadia")
    first = await board.listing(nadia, title="Lampe de chevet")
    await move(nadia, first, "done")
    await board.listing(nadia, title="Chaise pliante")
    refused = await relist(nadia, first)
    posted = await board.post(nadia, title="Table basse")
    assert refused.status_code == posted.status_code == 409
    assert refused.json()["detail"] == posted.json()["detail"]
    assert "1 annonces en ligne" in refused.json()["detail"]
    assert ok(await nadia.get(f"/api/v1/listings/{first['id']}"))["status"] == "done"


async def test_a_removed_listing_and_one_handed_over_to_a_neighbour_stay_as_they_are(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    karim = await board.member("karim")
    moderator = await board.member("mo", role="moderator")
    removed = await board.listing(nadia, title="Lampe de chevet")
    await move(moderator, removed, "removed", reason="Objet interdit")
    refused = await relist(nadia, removed)
    assert refused.status_code == 409 and "supprimée par la modération" in refused.json()["detail"]
    # Given to Karim, who may confirm it and say merci: it stays done.
    given = await board.listing(nadia, title="Chaise pliante")
    ok(await karim.post(f"/api/v1/listings/{given['id']}/interest", json={"message": "Bonjour !"}), 201)
    ok(await nadia.post(f"/api/v1/listings/{given['id']}/reserve", json={"user_id": karim.id}))
    await move(nadia, given, "done")
    refused = await relist(nadia, given)
    assert refused.status_code == 409 and "remise à un voisin" in refused.json()["detail"]
    assert ok(await nadia.get(f"/api/v1/listings/{given['id']}"))["status"] == "done"


async def test_only_the_author_relists_and_outsiders_learn_nothing(board: Board) -> None:
    await board.community("entre-voisins", visibility="members", join_policy="approval")
    nadia = await board.member("nadia", "entre-voisins")
    karim = await board.member("karim", "entre-voisins")
    olga = await board.someone("olga")
    listing = await board.listing(nadia, "entre-voisins")
    await move(nadia, listing, "withdrawn")
    forbidden = await relist(karim, listing)
    assert forbidden.status_code == 403 and "auteur" in forbidden.json()["detail"]
    hidden = await relist(olga, listing)
    missing = await olga.post("/api/v1/listings/01a2423e-0000-7000-8000-000000000000/relist")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    # Nor does a site admin, who sees every group's content as its moderator.
    assert (await relist(await board.root(), listing)).status_code == 403


async def test_a_relisted_listing_is_found_again(
    board: Board, app: Litestar, memory_index: MemoryIndex
) -> None:
    index = memory_index
    await board.community()
    nadia = await board.member("nadia")
    # Done (relisted by relist.py itself) and withdrawn (through the life cycle's own move).
    done = await board.listing(nadia, title="Poussette canne")
    withdrawn = await board.listing(nadia, title="Chaise haute")
    await move(nadia, done, "done")
    await move(nadia, withdrawn, "withdrawn")
    await indexed(app)
    assert done["id"] not in index.documents and withdrawn["id"] not in index.documents
    ok(await relist(nadia, done))
    ok(await relist(nadia, withdrawn))
    drained = await indexed(app)
    assert not drained.failed
    assert index.documents[done["id"]]["status"] == index.documents[withdrawn["id"]]["status"] == "available"


async def test_the_expiry_emails_link_relists_through_the_same_rules(
    board: Board, app: Litestar, client: Any
) -> None:
    await board.community()
    root = await board.root()
    ok(await root.patch(f"/api/v1/communities/{SLUG}", json={"max_active_listings": 1}))
    nadia = await board.member("nadia")
    first = await board.listing(nadia, title="Lampe de chevet")
    await move(nadia, first, "withdrawn")
    second = await board.listing(nadia, title="Chaise pliante")
    secret = app.state.settings.security.secret_key

    def link(listing: dict[str, Any]) -> str:
        return f"/notifications/relist/{relist_token(secret, uuid.UUID(listing['id']), uuid.UUID(nadia.id))}"

    refused = await client.post(link(first))
    posted = await board.post(nadia, title="Table basse")
    assert refused.status_code == 409 and posted.json()["detail"] in html.unescape(refused.text)
    # One given away since the e-mail is not put back online by its old link (its page's button does).
    await move(nadia, second, "done")
    given = await client.post(link(second))
    assert given.status_code == 409 and "plus en ligne" in html.unescape(given.text)
    assert ok(await nadia.get(f"/api/v1/listings/{second['id']}"))["status"] == "done"
    # Room again: the link relists the withdrawn one.
    assert (await client.post(link(first))).status_code == 200
    assert ok(await nadia.get(f"/api/v1/listings/{first['id']}"))["status"] == "available"
