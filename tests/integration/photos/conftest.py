"""Photo stories: a listing of a neighbour, photos made in memory, uploads through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from tests.integration.listings.conftest import Board
from tests.unit.photos.conftest import make_image, photo_bytes, raw_png

CONTENT_TYPES = {
    "JPEG": ("photo.jpg", "image/jpeg"),
    "PNG": ("photo.png", "image/png"),
    "WEBP": ("photo.webp", "image/webp"),
    "HEIF": ("IMG_0001.HEIC", "image/heic"),
    "AVIF": ("photo.avif", "image/avif"),
}


@pytest.fixture
def board(person: Any) -> Board:
    return Board(person)


@pytest.fixture
def media_root(app: Litestar) -> Path:
    return Path(app.state.settings.media.root)


def stored_files(root: Path) -> set[str]:
    """Every variant file under the media root, as storage keys."""
    if not root.exists():
        return set()
    return {path.relative_to(root).as_posix() for path in root.rglob("*.webp") if path.is_file()}


async def upload(who: Any, listing_id: str, data: bytes, fmt: str = "JPEG", **fields: str) -> Any:
    filename, content_type = CONTENT_TYPES.get(fmt, ("file.bin", "application/octet-stream"))
    return await who.post(
        f"/api/v1/listings/{listing_id}/photos",
        files={"file": (filename, data, content_type)},
        data=fields or None,
    )


async def add_photo(who: Any, listing_id: str, data: bytes | None = None, **fields: str) -> dict[str, Any]:
    response = await upload(who, listing_id, data if data is not None else photo_bytes("JPEG"), **fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


__all__ = ["CONTENT_TYPES", "add_photo", "make_image", "photo_bytes", "raw_png", "stored_files", "upload"]
