"""A shared link to a members-only listing, opened by someone who may not see it: the 404 of a
listing that does not exist, word for word, which offers to log in and come back to the link,
and shows a signed-in non-member the members-only groups they could ask to join (all of them,
never the listing's own alone, which would tell that it exists)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stories import PASSWORD, Board, csrf_token, sign_in

pytestmark = pytest.mark.anyio

MISSING = "01a2423e-0000-7000-8000-000000000000"


async def page(client: Any, listing_id: str) -> tuple[int, str]:
    response = await client.get(f"/listings/{listing_id}")
    return response.status_code, response.text.replace(listing_id, "{id}")


@pytest.fixture
async def hidden(board: Board) -> dict[str, Any]:
    await board.community("entre-voisins", visibility="members", join_policy="approval")
    await board.community("jardin-partage", visibility="members", join_policy="approval")
    await board.community()  # public: nothing to ask
    nadia = await board.member("nadia", "entre-voisins")
    return await board.listing(nadia, "entre-voisins", title="Trottinette rouge")


async def test_an_anonymous_reader_is_offered_to_log_in_and_comes_back_to_the_link(
    board: Board, client: Any, hidden: dict[str, Any]
) -> None:
    seen, unseen = await page(client, hidden["id"]), await page(client, MISSING)
    assert seen == unseen
    status, body = seen
    assert status == 404 and "Trottinette" not in body
    assert 'href="/login?next=/listings/{id}"' in body
    # A member logs in from there and lands on the listing.
    karim = await board.member("karim", "entre-voisins")
    login = await client.post(
        "/login",
        data={
            "email": karim.email,
            "password": PASSWORD,
            "next": f"/listings/{hidden['id']}",
            "_csrf_token": await csrf_token(client),
        },
        follow_redirects=False,
    )
    assert login.status_code == 303 and login.headers["location"] == f"/listings/{hidden['id']}"
    assert "Trottinette rouge" in (await client.get(login.headers["location"])).text


async def test_the_login_goes_back_only_to_a_path_of_this_site(board: Board, client: Any) -> None:
    olga = await board.someone("olga")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        login = await client.post(
            "/login",
            data={
                "email": olga.email,
                "password": PASSWORD,
                "next": target,
                "_csrf_token": await csrf_token(client),
            },
            follow_redirects=False,
        )
        assert login.status_code == 303 and login.headers["location"] == "/", target


async def test_a_signed_in_non_member_sees_the_members_only_groups_they_could_join(
    board: Board, client: Any, hidden: dict[str, Any]
) -> None:
    olga = await board.member("olga", "jardin-partage")
    await sign_in(client, olga)
    seen, unseen = await page(client, hidden["id"]), await page(client, MISSING)
    assert seen == unseen
    status, body = seen
    groups = body.partition('class="joinable-groups"')[2].partition("</ul>")[0]
    assert status == 404 and "/login?next=" not in body.partition("<main")[2]
    assert 'href="/communities/entre-voisins/about"' in groups
    assert "jardin-partage" not in groups  # already a member there
    assert "vide-grenier-test" not in groups  # public: nothing to ask
    # An application waiting for an answer is said as such.
    ok = await olga.post("/api/v1/communities/entre-voisins/join", json={"answer": "Rue des Pyrénées"})
    assert ok.status_code == 201, ok.text
    assert "demande en attente" in (await page(client, MISSING))[1]
