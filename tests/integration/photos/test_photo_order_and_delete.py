"""Reordering, choosing the cover, describing and deleting photos; files leave the disk with them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from marketplace.photos.service import PhotoService
from marketplace.photos.storage import LocalDirectoryStorage
from tests.integration.photos.conftest import make_image, photo_bytes, stored_files
from tests.stories import add_photo

pytestmark = pytest.mark.anyio


def distinct_photo(index: int) -> bytes:
    """A different picture each time (so that each has its own files)."""
    return photo_bytes("JPEG", image=make_image((64, 48), color=(20 * index, 90, 200 - 20 * index)))


def files_of(photo: dict[str, Any]) -> set[str]:
    """The storage keys behind a photo's URLs (``/photos/{id}/{variant}/{hash}.webp``)."""
    keys = set()
    for url in photo["urls"].values():
        digest = url.rsplit("/", 1)[-1].removesuffix(".webp")
        keys.add(f"{digest[:2]}/{digest[2:4]}/{digest}.webp")
    return keys


@pytest.fixture
async def gallery(board: Any) -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    """Alice's listing with three photos."""
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice)
    photos = [await add_photo(alice, listing["id"], distinct_photo(index)) for index in range(3)]
    return alice, listing, photos


async def order_of(who: Any, listing_id: str) -> list[str]:
    response = await who.get(f"/api/v1/listings/{listing_id}/photos")
    assert response.status_code == 200
    return [item["id"] for item in response.json()["items"]]


async def test_photos_are_put_in_the_order_given(gallery):
    alice, listing, photos = gallery
    wanted = [photos[2]["id"], photos[0]["id"], photos[1]["id"]]

    response = await alice.put(f"/api/v1/listings/{listing['id']}/photos/order", json={"ids": wanted})

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["id"] for item in items] == wanted
    assert [item["position"] for item in items] == [0, 1, 2]
    assert await order_of(alice, listing["id"]) == wanted


@pytest.mark.parametrize(
    "pick",
    [
        lambda ids: ids[:2],  # one missing
        lambda ids: [*ids, ids[0]],  # one twice
        lambda ids: [*ids[:2], "0190b5a4-0000-7000-8000-000000000000"],  # a stranger
        lambda ids: [],
    ],
    ids=["missing", "duplicate", "unknown", "empty"],
)
async def test_order_must_name_each_photo_exactly_once(pick, gallery):
    alice, listing, photos = gallery
    before = await order_of(alice, listing["id"])

    response = await alice.put(
        f"/api/v1/listings/{listing['id']}/photos/order", json={"ids": pick([p["id"] for p in photos])}
    )

    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "ids"
    assert await order_of(alice, listing["id"]) == before


async def test_photo_of_another_listing_cannot_join_the_order(gallery, board):
    alice, listing, photos = gallery
    other = await board.listing(alice, title="Chaise haute")
    stranger = await add_photo(alice, other["id"])
    ids = [photos[0]["id"], photos[1]["id"], stranger["id"]]

    response = await alice.put(f"/api/v1/listings/{listing['id']}/photos/order", json={"ids": ids})

    assert response.status_code == 400


async def test_alt_text_can_be_written_then_given_back_to_the_title(gallery):
    alice, listing, photos = gallery

    described = await alice.patch(
        f"/api/v1/photos/{photos[1]['id']}", json={"alt_text": "  Le dossier  réglable "}
    )
    reset = await alice.patch(f"/api/v1/photos/{photos[1]['id']}", json={"alt_text": ""})
    too_long = await alice.patch(f"/api/v1/photos/{photos[1]['id']}", json={"alt_text": "x" * 201})

    assert described.json()["alt_text"] == "Le dossier réglable"
    assert reset.json()["alt_text"] == listing["title"]
    assert too_long.status_code == 400
    assert too_long.json()["extra"][0]["key"] == "alt_text"


async def test_deleting_a_photo_removes_its_files_and_closes_the_gap(gallery, media_root):
    alice, listing, photos = gallery
    assert files_of(photos[1]) <= stored_files(media_root)

    response = await alice.delete(f"/api/v1/photos/{photos[1]['id']}")

    assert response.status_code == 204
    assert not files_of(photos[1]) & stored_files(media_root)
    assert stored_files(media_root) == files_of(photos[0]) | files_of(photos[2])
    remaining = (await alice.get(f"/api/v1/listings/{listing['id']}/photos")).json()["items"]
    assert [(item["id"], item["position"]) for item in remaining] == [
        (photos[0]["id"], 0),
        (photos[2]["id"], 1),
    ]
    assert (await alice.client.get(photos[1]["urls"]["thumb"])).status_code == 404


async def test_deleting_the_cover_makes_the_next_photo_the_cover(gallery):
    alice, listing, photos = gallery

    await alice.delete(f"/api/v1/photos/{photos[0]['id']}")

    assert await order_of(alice, listing["id"]) == [photos[1]["id"], photos[2]["id"]]


async def test_a_file_shared_with_another_photo_stays_until_the_last_one_goes(board, media_root):
    await board.community()
    alice = await board.member("alice")
    first = await board.listing(alice, title="Lampe de bureau")
    second = await board.listing(alice, title="Lampe de chevet")
    same_picture = distinct_photo(1)
    kept = await add_photo(alice, first["id"], same_picture)
    twin = await add_photo(alice, second["id"], same_picture)
    assert files_of(kept) == files_of(twin)

    assert (await alice.delete(f"/api/v1/photos/{twin['id']}")).status_code == 204
    assert files_of(kept) <= stored_files(media_root)
    assert (await alice.client.get(kept["urls"]["large"])).status_code == 200

    assert (await alice.delete(f"/api/v1/photos/{kept['id']}")).status_code == 204
    assert stored_files(media_root) == set()


async def test_deleting_an_unknown_photo_is_a_404(gallery):
    alice, _listing, _photos = gallery

    response = await alice.delete("/api/v1/photos/0190b5a4-0000-7000-8000-000000000000")

    assert response.status_code == 404


async def test_files_outlive_a_rolled_back_deletion_and_go_with_a_committed_one(gallery, app, media_root):
    _alice, listing, photos = gallery
    everything = set().union(*(files_of(photo) for photo in photos))
    engine = create_async_engine(app.state.settings.database.url)
    try:
        async with async_sessionmaker(engine)() as session:
            service = PhotoService(session=session, storage=LocalDirectoryStorage(media_root))
            assert await service.delete_for_listing(uuid.UUID(listing["id"])) == 3
            await session.rollback()
        assert stored_files(media_root) == everything

        async with async_sessionmaker(engine)() as session:
            service = PhotoService(session=session, storage=LocalDirectoryStorage(media_root))
            await service.delete_for_listing(uuid.UUID(listing["id"]))
            assert stored_files(media_root) == everything  # not before the commit
            await session.commit()
        assert stored_files(media_root) == set()
    finally:
        await engine.dispose()
