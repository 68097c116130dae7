"""Photo files are served through the visibility rule, with caching that matches who may see them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.photos.conftest import photo_bytes
from tests.stories import add_photo, sign_in

pytestmark = pytest.mark.anyio

RESTRICTIVE_CSP = "default-src 'none'; sandbox"


def assert_photo_headers(response: Any) -> None:
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == RESTRICTIVE_CSP
    assert "set-cookie" not in response.headers


async def test_public_photo_is_cached_for_a_year_as_immutable(board, client):
    await board.community()
    alice = await board.member("alice")
    photo = await add_photo(alice, (await board.listing(alice))["id"])

    for url in photo["urls"].values():
        response = await client.get(url)  # anonymous
        assert response.status_code == 200
        assert_photo_headers(response)
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        digest = url.rsplit("/", 1)[-1].removesuffix(".webp")
        assert response.headers["etag"] == f'"{digest}"'


async def test_unchanged_photo_answers_304_to_its_etag(board, client):
    await board.community()
    alice = await board.member("alice")
    photo = await add_photo(alice, (await board.listing(alice))["id"])
    first = await client.get(photo["urls"]["thumb"])

    again = await client.get(photo["urls"]["thumb"], headers={"If-None-Match": first.headers["etag"]})
    other = await client.get(photo["urls"]["thumb"], headers={"If-None-Match": '"something-else"'})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert other.status_code == 200


@pytest.fixture
async def members_only_photo(board: Any) -> dict[str, Any]:
    await board.community("vide-dressing-test", visibility="members", join_policy="approval")
    alice = await board.member("alice", "vide-dressing-test")
    bob = await board.member("bob", "vide-dressing-test")
    listing = await board.listing(alice, "vide-dressing-test")
    return {
        "alice": alice,
        "bob": bob,
        "dave": await board.someone("dave"),
        "photo": await add_photo(alice, listing["id"]),
    }


async def test_non_member_fetching_a_members_only_photo_url_gets_404(members_only_photo):
    dave, photo = members_only_photo["dave"], members_only_photo["photo"]

    for url in photo["urls"].values():
        response = await dave.get(url)
        assert response.status_code == 404
        assert response.content[:4] != b"RIFF"


async def test_anonymous_fetching_a_members_only_photo_url_gets_404(members_only_photo, client):
    for url in members_only_photo["photo"]["urls"].values():
        assert (await client.get(url)).status_code == 404


async def test_member_gets_a_members_only_photo_with_private_caching(members_only_photo):
    bob, photo = members_only_photo["bob"], members_only_photo["photo"]

    response = await bob.get(photo["urls"]["medium"])

    assert response.status_code == 200
    assert_photo_headers(response)
    assert response.headers["cache-control"].startswith("private")
    assert "immutable" not in response.headers["cache-control"]


async def test_member_browsing_with_a_session_cookie_sees_the_photo(members_only_photo, client):
    await sign_in(client, members_only_photo["bob"])  # the login form answers 303

    response = await client.get(members_only_photo["photo"]["urls"]["thumb"])

    assert response.status_code == 200
    assert_photo_headers(response)  # no cookie either: reading a photo changes no session
    assert response.headers["cache-control"].startswith("private")


async def test_draft_photo_is_served_to_its_author_only_and_privately(board, client):
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    photo = await add_photo(alice, (await board.listing(alice, draft=True))["id"])

    mine = await alice.get(photo["urls"]["thumb"])

    assert mine.status_code == 200
    assert mine.headers["cache-control"].startswith("private")
    assert (await bob.get(photo["urls"]["thumb"])).status_code == 404
    assert (await client.get(photo["urls"]["thumb"])).status_code == 404


async def test_url_with_a_wrong_hash_or_variant_is_a_404(board, client):
    await board.community()
    alice = await board.member("alice")
    photo = await add_photo(alice, (await board.listing(alice))["id"], photo_bytes("JPEG", size=(1000, 750)))
    thumb = photo["urls"]["thumb"]
    photo_id = photo["id"]
    large_hash = photo["urls"]["large"].rsplit("/", 1)[-1]
    assert large_hash != thumb.rsplit("/", 1)[-1]

    for url in (
        thumb.replace(".webp", ".png"),
        f"/photos/{photo_id}/thumb/{'0' * 64}.webp",
        f"/photos/{photo_id}/thumb/{large_hash}",  # another variant's file under this name
        f"/photos/{photo_id}/original/{large_hash}",
        f"/photos/{photo_id}/thumb/..%2F..%2Fsecret_key",
        f"/photos/0190b5a4-0000-7000-8000-000000000000/thumb/{large_hash}",
    ):
        assert (await client.get(url)).status_code == 404, url
