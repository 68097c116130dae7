"""Every change a reader of a listing could notice writes exactly one search-outbox row, in its
own transaction: the indexer then sees every change that commits, and nothing that does not."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from marketplace.indexing.documents import documents_for, listings_concerned
from marketplace.indexing.models import SearchOutboxEntry
from marketplace.listings.service import ListingService
from marketplace.operations import transaction
from tests.stories import Board, add_photo

pytestmark = pytest.mark.anyio


Row = tuple[str, str, str]  # (subject, subject id, operation)


async def outbox(app: Litestar) -> list[Row]:
    async with transaction(app.state.settings) as session:
        rows = await session.scalars(select(SearchOutboxEntry).order_by(SearchOutboxEntry.id))
        return [(str(row.subject), str(row.subject_id), str(row.operation)) for row in rows]


async def rows_written_by(app: Litestar, change: Callable[[], Awaitable[Any]]) -> list[Row]:
    """The outbox rows that ``change`` adds (it must succeed)."""
    before = await outbox(app)
    await change()
    after = await outbox(app)
    assert after[: len(before)] == before, "earlier rows must stay as they were"
    return after[len(before) :]


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def test_posting_a_listing_records_one_upsert(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    created: dict[str, Any] = {}

    async def post() -> None:
        created.update(await board.listing(nadia))

    assert await rows_written_by(app, post) == [("listing", created["id"], "upsert")]


async def test_a_draft_is_recorded_as_absent_from_the_index(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    created: dict[str, Any] = {}

    async def post() -> None:
        created.update(await board.listing(nadia, draft=True))

    assert await rows_written_by(app, post) == [("listing", created["id"], "delete")]


async def test_an_edit_records_one_row_however_many_fields_change(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    other_category = await board.category_id("Livres")

    async def edit() -> None:
        ok(
            await nadia.patch(
                f"/api/v1/listings/{listing['id']}",
                json={
                    "version": listing["version"],
                    "title": "Lampe d'architecte",
                    "category_id": other_category,
                    "description": "Avec son ampoule.",
                },
            )
        )

    assert await rows_written_by(app, edit) == [("listing", listing["id"], "upsert")]


async def test_an_edit_that_changes_nothing_records_nothing(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)

    async def edit() -> None:
        ok(
            await nadia.patch(
                f"/api/v1/listings/{listing['id']}",
                json={"version": listing["version"], "title": listing["title"]},
            )
        )

    assert await rows_written_by(app, edit) == []


@pytest.mark.parametrize(
    ("moves", "operation"),
    [
        (["reserved"], "upsert"),
        (["done"], "delete"),
        (["withdrawn"], "delete"),
        (["withdrawn", "available"], "upsert"),
    ],
)
async def test_each_status_change_records_one_row(
    board: Board, app: Litestar, moves: list[str], operation: str
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    for move in moves[:-1]:
        ok(await nadia.post(f"/api/v1/listings/{listing['id']}/status", json={"status": move}))

    async def last_move() -> None:
        ok(await nadia.post(f"/api/v1/listings/{listing['id']}/status", json={"status": moves[-1]}))

    assert await rows_written_by(app, last_move) == [("listing", listing["id"], operation)]


async def test_a_moderators_removal_records_a_delete(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    root = await board.root()
    listing = await board.listing(nadia)

    async def remove() -> None:
        ok(
            await root.post(
                f"/api/v1/listings/{listing['id']}/status",
                json={"status": "removed", "reason": "Objet interdit"},
            )
        )

    assert await rows_written_by(app, remove) == [("listing", listing["id"], "delete")]


async def test_a_refused_change_records_nothing(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    before = await outbox(app)
    refused = await nadia.post(f"/api/v1/listings/{listing['id']}/status", json={"status": "draft"})
    assert refused.status_code == 409
    assert await outbox(app) == before


async def test_expiry_records_one_delete_per_expired_listing(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    later = datetime.datetime.fromisoformat(listing["expires_at"]) + datetime.timedelta(minutes=1)

    async def expire() -> None:
        async with transaction(app.state.settings) as session:
            assert await ListingService(session=session).expire_due(later) == 1

    assert await rows_written_by(app, expire) == [("listing", listing["id"], "delete")]


async def test_renaming_or_archiving_a_category_records_the_category(board: Board, app: Litestar) -> None:
    await board.community()
    root = await board.root()
    category = await board.category_id("Livres")

    async def rename() -> None:
        ok(await root.patch(f"/api/v1/categories/{category}", json={"name": "Livres et BD"}))

    async def archive() -> None:
        ok(await root.patch(f"/api/v1/categories/{category}", json={"archived": True}))

    assert await rows_written_by(app, rename) == [("category", category, "refresh")]
    assert await rows_written_by(app, archive) == [("category", category, "refresh")]


async def test_reordering_a_category_changes_no_listing_and_records_nothing(
    board: Board, app: Litestar
) -> None:
    await board.community()
    root = await board.root()
    category = await board.category_id("Livres")

    async def reorder() -> None:
        ok(await root.patch(f"/api/v1/categories/{category}", json={"position": 0}))

    assert await rows_written_by(app, reorder) == []


async def test_a_merge_records_one_row_for_the_category_that_received_the_listings(
    board: Board, app: Litestar
) -> None:
    await board.community()
    root = await board.root()
    nadia = await board.member("nadia")
    books, home = await board.category_id("Livres"), await board.category_id("Maison")
    moved = [await board.listing(nadia, category="Livres", title=f"Roman {n}") for n in range(3)]

    async def merge() -> None:
        body = ok(await root.post(f"/api/v1/categories/{books}/merge", json={"into": home}))
        assert body["moved"] == 3

    assert await rows_written_by(app, merge) == [("category", home, "refresh")]
    async with transaction(app.state.settings) as session:
        rows = list(
            await session.scalars(
                select(SearchOutboxEntry).where(SearchOutboxEntry.subject_id == uuid.UUID(home))
            )
        )
        concerned = await listings_concerned(session, rows)
    assert {str(item) for item in concerned} == {listing["id"] for listing in moved}


async def test_a_community_turning_members_only_records_the_community(board: Board, app: Litestar) -> None:
    community = await board.community()
    root = await board.root()

    async def close() -> None:
        ok(await root.patch(f"/api/v1/communities/{community['slug']}", json={"visibility": "members"}))

    async def describe() -> None:  # the description is in no listing's document
        ok(
            await root.patch(
                f"/api/v1/communities/{community['slug']}", json={"description": "Entre voisins"}
            )
        )

    assert await rows_written_by(app, close) == [("community", community["id"], "refresh")]
    assert await rows_written_by(app, describe) == []


async def test_a_first_photo_a_new_cover_and_a_deletion_each_record_the_listing(
    board: Board, app: Litestar
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    photos: list[dict[str, Any]] = []

    async def first_photo() -> None:
        photos.append(await add_photo(nadia, listing["id"]))

    async def second_photo() -> None:  # not the cover: nothing a search shows changes
        photos.append(await add_photo(nadia, listing["id"]))

    async def new_cover() -> None:
        ok(
            await nadia.put(
                f"/api/v1/listings/{listing['id']}/photos/order",
                json={"ids": [photos[1]["id"], photos[0]["id"]]},
            )
        )

    async def delete() -> None:
        ok(await nadia.delete(f"/api/v1/photos/{photos[0]['id']}"), 204)

    recorded = [("listing", listing["id"], "upsert")]
    assert await rows_written_by(app, first_photo) == recorded
    assert await rows_written_by(app, second_photo) == []
    assert await rows_written_by(app, new_cover) == recorded
    assert await rows_written_by(app, delete) == recorded


async def test_the_document_of_a_findable_listing_carries_what_search_filters_on(
    board: Board, app: Litestar
) -> None:
    community = await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(
        nadia,
        kind="sell",
        price=12.5,
        title="Poussette canne",
        pickup_area="Gambetta",
        category="Puériculture",
    )
    done = await board.listing(nadia, title="Déjà donné")
    ok(await nadia.post(f"/api/v1/listings/{done['id']}/status", json={"status": "done"}))
    async with transaction(app.state.settings) as session:
        documents = await documents_for(session, [uuid.UUID(listing["id"]), uuid.UUID(done["id"])])
    assert len(documents) == 1  # a finished listing has no document
    document = documents[0]
    assert document["id"] == listing["id"]
    assert document["community_id"] == community["id"]
    assert (document["kind"], document["price"], document["pickup_area"]) == ("sell", 12.5, "Gambetta")
    assert document["category"] == "Puériculture"
    assert document["title"] == "Poussette canne"
    assert document["cover"] is None
