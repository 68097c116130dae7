"""The status life cycle through the API: reserve, done, withdraw, relist, expiry, removal."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from marketplace.indexing.models import SearchOutboxEntry
from marketplace.listings.models import Listing
from marketplace.listings.service import ListingService
from marketplace.operations import transaction
from tests.stories import Board

pytestmark = pytest.mark.anyio


async def move(who: Any, listing_id: str, status: str, **extra: Any) -> Any:
    return await who.post(f"/api/v1/listings/{listing_id}/status", json={"status": status, **extra})


async def test_author_walks_the_life_cycle(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    for status in ("reserved", "available", "reserved", "done"):
        response = await move(nadia, listing["id"], status)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
        assert response.json()["status_changed_at"]
    final = await move(nadia, listing["id"], "available")
    assert final.status_code == 409
    assert "Terminée" in final.json()["detail"] and "Disponible" in final.json()["detail"]


async def test_withdrawn_listing_is_relisted_for_a_fresh_lifetime(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    withdrawn = await move(nadia, listing["id"], "withdrawn")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    relisted = await move(nadia, listing["id"], "available")
    assert relisted.status_code == 200
    assert relisted.json()["expires_at"] > listing["expires_at"]


@pytest.mark.parametrize(("status", "expected"), [("expired", 403), ("draft", 409), ("sold", 400)])
async def test_refused_moves(board: Board, status: str, expected: int) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    response = await move(nadia, listing["id"], status)
    assert response.status_code == expected, response.text


async def test_other_members_cannot_move_a_listing_and_outsiders_cannot_see_it(board: Board) -> None:
    await board.community("entre-nous", visibility="members")
    nadia = await board.member("nadia", "entre-nous")
    karim = await board.member("karim", "entre-nous")
    stranger = await board.someone("stranger")
    listing = await board.listing(nadia, "entre-nous")
    assert (await move(karim, listing["id"], "reserved")).status_code == 403
    assert (await move(karim, listing["id"], "removed", reason="Spam")).status_code == 403
    assert (await move(stranger, listing["id"], "reserved")).status_code == 404


async def test_moderator_removes_with_a_reason_the_author_sees(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    momo = await board.member("momo", role="moderator")
    karim = await board.member("karim")
    listing = await board.listing(nadia)
    no_reason = await move(momo, listing["id"], "removed")
    assert no_reason.status_code == 400 and no_reason.json()["extra"][0]["key"] == "reason"
    removed = await move(momo, listing["id"], "removed", reason="Objet interdit sur le groupe")
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    seen_by_author = await nadia.get(f"/api/v1/listings/{listing['id']}")
    assert seen_by_author.status_code == 200
    assert seen_by_author.json()["removal_reason"] == "Objet interdit sur le groupe"
    assert (await momo.get(f"/api/v1/listings/{listing['id']}")).json()["removal_reason"]
    assert (await karim.get(f"/api/v1/listings/{listing['id']}")).status_code == 404
    assert (await move(nadia, listing["id"], "available")).status_code == 409  # removal is final


async def test_a_public_listing_hides_its_removal_reason_from_other_readers(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    karim = await board.member("karim")
    listing = await board.listing(nadia)
    read = await karim.get(f"/api/v1/listings/{listing['id']}")
    assert read.status_code == 200 and "removal_reason" not in read.json()


async def test_expire_due_expires_available_listings_past_their_lifetime(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    fresh = await board.listing(nadia, title="Annonce récente")
    reserved = await board.listing(nadia, title="Annonce réservée")
    await move(nadia, reserved["id"], "reserved")
    later = datetime.datetime.fromisoformat(fresh["expires_at"]) + datetime.timedelta(minutes=1)
    async with transaction(app.state.settings) as session:
        assert await ListingService(session=session).expire_due(later) == 1
    expired = await nadia.get(f"/api/v1/listings/{fresh['id']}")
    assert expired.json()["status"] == "expired"
    assert (await nadia.get(f"/api/v1/listings/{reserved['id']}")).json()["status"] == "reserved"
    async with transaction(app.state.settings) as session:
        assert await ListingService(session=session).expire_due(later) == 0  # nothing left to expire
    relisted = await move(nadia, fresh["id"], "available")
    assert relisted.status_code == 200
    assert relisted.json()["status"] == "available"
    assert relisted.json()["expires_at"] > fresh["expires_at"]  # a fresh lifetime from the relisting


async def test_every_write_leaves_a_search_outbox_row(board: Board, app: Litestar) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    await move(nadia, listing["id"], "reserved")
    await move(nadia, listing["id"], "done")
    async with transaction(app.state.settings) as session:
        rows = list(
            await session.scalars(
                select(SearchOutboxEntry.operation)
                .join(Listing, Listing.id == SearchOutboxEntry.subject_id)
                .order_by(SearchOutboxEntry.id)
            )
        )
    assert [str(row) for row in rows] == ["upsert", "upsert", "delete"]
