"""Through the API: an upload that its worker cannot process within its limits gets a 422 with a
clear message, nothing is stored, and the neighbour's next upload is a photo as usual."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from marketplace.photos.pipeline import shutdown_pool
from marketplace.photos.workers import MEMORY_VARIABLE, TIME_LIMIT_VARIABLE
from tests.integration.photos.conftest import photo_bytes, stored_files, upload
from tests.unit.photos.test_photo_workers import huge_png

pytestmark = pytest.mark.anyio


@pytest.fixture
def photo_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A fresh worker pool, whose limits the test sets in the environment before its first upload."""
    shutdown_pool()
    yield monkeypatch
    shutdown_pool()


@pytest.fixture(scope="module")
def heavy_png() -> bytes:
    return huge_png()


@pytest.fixture
async def alice_listing(board: Any) -> tuple[Any, dict[str, Any]]:
    await board.community()
    alice = await board.member("alice")
    return alice, await board.listing(alice, title="Fresque de la rue Dénoyez")


@pytest.mark.parametrize(
    ("variable", "value"),
    [(TIME_LIMIT_VARIABLE, "0.3"), (MEMORY_VARIABLE, "200")],
    ids=["past-the-time-limit", "past-the-memory-limit"],
)
async def test_upload_too_heavy_for_its_worker_gets_422_and_the_next_one_is_stored(
    variable, value, photo_pool, heavy_png, alice_listing, media_root
):
    alice, listing = alice_listing
    photo_pool.setenv(variable, value)

    refused = await upload(alice, listing["id"], heavy_png, "PNG")

    assert refused.status_code == 422, refused.text
    assert "trop lourde à traiter" in refused.json()["detail"]
    assert stored_files(media_root) == set()
    # Small enough to take a fraction of the limit even on a busy machine: the pool recovered.
    accepted = await upload(alice, listing["id"], photo_bytes("JPEG", size=(320, 240)))
    assert accepted.status_code == 201, accepted.text
    assert (accepted.json()["width"], accepted.json()["height"]) == (320, 240)
