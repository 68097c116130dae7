"""Only a listing's author changes its photos; moderators may delete them; outsiders see nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.photos.conftest import photo_bytes
from tests.stories import add_photo, upload

pytestmark = pytest.mark.anyio


@pytest.fixture
async def story(board: Any) -> dict[str, Any]:
    """Alice's listing with one photo, in a public community where Bob is a member too."""
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    listing = await board.listing(alice)
    photo = await add_photo(alice, listing["id"])
    return {"alice": alice, "bob": bob, "listing": listing, "photo": photo}


async def test_another_member_may_not_touch_the_photos(story):
    bob, listing, photo = story["bob"], story["listing"], story["photo"]

    added = await upload(bob, listing["id"], photo_bytes())
    ordered = await bob.put(f"/api/v1/listings/{listing['id']}/photos/order", json={"ids": [photo["id"]]})
    described = await bob.patch(f"/api/v1/photos/{photo['id']}", json={"alt_text": "à moi"})
    deleted = await bob.delete(f"/api/v1/photos/{photo['id']}")

    assert [r.status_code for r in (added, ordered, described, deleted)] == [403, 403, 403, 403]
    assert (await bob.get(f"/api/v1/listings/{listing['id']}/photos")).json()["total"] == 1


async def test_anonymous_upload_is_a_401(story, client):
    listing = story["listing"]

    response = await client.post(
        f"/api/v1/listings/{listing['id']}/photos", files={"file": ("a.jpg", photo_bytes(), "image/jpeg")}
    )

    assert response.status_code == 401
    assert (await client.get(f"/api/v1/listings/{listing['id']}/photos")).json()["total"] == 1


async def test_moderator_may_delete_a_photo_but_not_add_one(story, board):
    listing, photo = story["listing"], story["photo"]
    carol = await board.member("carol", role="moderator")

    assert (await upload(carol, listing["id"], photo_bytes())).status_code == 403
    assert (await carol.delete(f"/api/v1/photos/{photo['id']}")).status_code == 204


async def test_site_admin_may_delete_a_photo(story, board):
    root = await board.root()

    assert (await root.delete(f"/api/v1/photos/{story['photo']['id']}")).status_code == 204


async def test_photos_of_a_removed_listing_are_frozen_but_the_author_may_delete_them(story, board):
    alice, listing, photo = story["alice"], story["listing"], story["photo"]
    carol = await board.member("carol", role="moderator")
    removed = await carol.post(
        f"/api/v1/listings/{listing['id']}/status", json={"status": "removed", "reason": "Objet interdit"}
    )
    assert removed.status_code == 200, removed.text

    assert (await upload(alice, listing["id"], photo_bytes())).status_code == 409
    reorder = await alice.put(f"/api/v1/listings/{listing['id']}/photos/order", json={"ids": [photo["id"]]})
    assert reorder.status_code == 409
    assert (await alice.delete(f"/api/v1/photos/{photo['id']}")).status_code == 204


async def test_unknown_listing_is_a_404(story):
    response = await upload(story["alice"], "0190b5a4-0000-7000-8000-000000000000", photo_bytes())

    assert response.status_code == 404


@pytest.fixture
async def members_only(board: Any) -> dict[str, Any]:
    """Alice's listing with a photo in a members-only community; Dave is not a member."""
    await board.community("vide-dressing-test", visibility="members", join_policy="approval")
    alice = await board.member("alice", "vide-dressing-test")
    listing = await board.listing(alice, "vide-dressing-test")
    photo = await add_photo(alice, listing["id"])
    return {"alice": alice, "dave": await board.someone("dave"), "listing": listing, "photo": photo}


async def test_non_member_gets_404_for_everything_about_members_only_photos(members_only):
    dave, listing, photo = members_only["dave"], members_only["listing"], members_only["photo"]

    responses = [
        await upload(dave, listing["id"], photo_bytes()),
        await dave.get(f"/api/v1/listings/{listing['id']}/photos"),
        await dave.put(f"/api/v1/listings/{listing['id']}/photos/order", json={"ids": [photo["id"]]}),
        await dave.patch(f"/api/v1/photos/{photo['id']}", json={"alt_text": "vu"}),
        await dave.delete(f"/api/v1/photos/{photo['id']}"),
    ]

    assert [response.status_code for response in responses] == [404] * 5


async def test_draft_photos_are_the_authors_alone(board):
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    draft = await board.listing(alice, draft=True)
    photo = await add_photo(alice, draft["id"])

    assert (await bob.get(f"/api/v1/listings/{draft['id']}/photos")).status_code == 404
    assert (await bob.delete(f"/api/v1/photos/{photo['id']}")).status_code == 404
    assert (await alice.get(f"/api/v1/listings/{draft['id']}/photos")).json()["total"] == 1
