"""Search before posting: while a member writes a listing, what already matches shows beside the
form (offers for a wanted, wanted listings for an offer); the search's empty state offers to post
a wanted listing with the query prefilled; without JavaScript the form still posts. On the
embedded index (the default install's)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.discovery.backends import indexed
from tests.stories import SLUG, Board, Person, sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
async def neighbours(board: Board, app: Litestar) -> dict[str, Any]:
    await board.community()
    nadia = await board.member("nadia")
    omar = await board.member("omar")
    offer = await board.listing(
        nadia, title="Poussette canne Yoyo", kind="sell", price=40, pickup_area="Gambetta"
    )
    wanted = await board.listing(omar, title="Cherche poussette double", kind="wanted")
    done = await board.listing(nadia, title="Poussette trio")
    await nadia.post(f"/api/v1/listings/{done['id']}/status", json={"status": "reserved"})
    await indexed(app)
    return {"nadia": nadia, "omar": omar, "offer": offer, "wanted": wanted, "reserved": done}


async def suggestions(client: AsyncTestClient[Litestar], title: str, kind: str) -> str:
    answer = await client.get(
        "/recherche/avant-publication", params={"title": title, "kind": kind}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.text)


async def test_a_wanted_being_written_shows_what_is_already_offered(
    neighbours: dict[str, Any], client: AsyncTestClient[Litestar]
) -> None:
    await sign_in(client, neighbours["omar"])
    shown = await suggestions(client, "Cherche une poussette", "wanted")
    assert "Déjà proposé dans le quartier" in shown
    assert f"/listings/{neighbours['offer']['id']}" in shown
    assert "40" in shown and "Gambetta" in shown
    assert f"/listings/{neighbours['wanted']['id']}" not in shown  # another wanted is no offer
    assert f"/listings/{neighbours['reserved']['id']}" not in shown  # only what is still available


async def test_an_offer_being_written_shows_the_neighbours_looking_for_it(
    neighbours: dict[str, Any], client: AsyncTestClient[Litestar]
) -> None:
    await sign_in(client, neighbours["nadia"])
    shown = await suggestions(client, "Donne poussette", "give")
    assert "Des voisins cherchent ça" in shown
    assert f"/listings/{neighbours['wanted']['id']}" in shown
    assert f"/listings/{neighbours['offer']['id']}" not in shown


async def test_nothing_shows_for_a_title_too_short_or_unmatched(
    neighbours: dict[str, Any], client: AsyncTestClient[Litestar]
) -> None:
    await sign_in(client, neighbours["nadia"])
    assert "<li" not in await suggestions(client, "po", "wanted")
    assert "<li" not in await suggestions(client, "trampoline", "wanted")


async def test_the_posting_form_is_wired_to_the_suggestions_and_posts_without_javascript(
    neighbours: dict[str, Any], client: AsyncTestClient[Litestar]
) -> None:
    token = await sign_in(client, neighbours["omar"])
    form = await client.get("/listings/new", params={"community": SLUG})
    assert form.status_code == 200
    assert 'hx-get="/recherche/avant-publication"' in form.text
    assert "delay:" in form.text  # debounced while typing
    posted = await client.post(
        "/listings/new",
        data={"_csrf_token": token, "community": SLUG, "kind": "wanted", "title": "Cherche trottinette",
              "category_id": await category(neighbours["omar"], "Jouets")},
        follow_redirects=False,
    )  # fmt: skip
    assert posted.status_code == 303, posted.text


async def category(who: Person, name: str) -> str:
    answer = await who.get(f"/api/v1/communities/{SLUG}/categories")
    return str(next(item["id"] for item in answer.json()["items"] if item["name"] == name))


async def test_the_empty_search_offers_to_post_a_wanted_with_the_query(
    neighbours: dict[str, Any], client: AsyncTestClient[Litestar]
) -> None:
    await sign_in(client, neighbours["omar"])
    empty = await client.get("/recherche", params={"q": "trampoline"})
    assert empty.status_code == 200
    link = re.search(r'href="(/listings/new\?[^"]+)"', empty.text)
    assert link, empty.text
    assert link.group(1).replace("&amp;", "&") == "/listings/new?kind=wanted&title=trampoline"
    form = await client.get(link.group(1).replace("&amp;", "&"))
    assert form.status_code == 200
    assert re.search(r'<option value="wanted"\s+selected', form.text)
    assert 'value="trampoline"' in form.text


async def test_a_prefilled_form_shows_its_suggestions_without_javascript(
    neighbours: dict[str, Any], client: AsyncTestClient[Litestar]
) -> None:
    await sign_in(client, neighbours["omar"])
    form = await client.get("/listings/new", params={"kind": "wanted", "title": "poussette"})
    assert form.status_code == 200
    assert "Déjà proposé dans le quartier" in form.text
    assert f"/listings/{neighbours['offer']['id']}" in form.text
