"""``process_async`` runs the pipeline off the event loop (in the photo workers: see
``test_photo_workers.py`` for how many at once, limits and recovery)."""

from __future__ import annotations

import anyio
import pytest

from marketplace.photos.pipeline import PhotoRejected, ProcessedPhoto, process_async

pytestmark = pytest.mark.anyio


async def test_process_async_returns_the_processed_photo(photo_bytes):
    photo = await process_async(photo_bytes("JPEG", size=(400, 300)))

    assert isinstance(photo, ProcessedPhoto)
    assert (photo.width, photo.height) == (400, 300)


async def test_process_async_raises_the_rejection():
    with pytest.raises(PhotoRejected) as caught:
        await process_async(b"GIF89a")

    assert caught.value.status == 415


async def test_event_loop_stays_responsive_while_processing(photo_bytes):
    data = photo_bytes("PNG", size=(2400, 1600))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await anyio.sleep(0.005)
            ticks += 1

    async with anyio.create_task_group() as group:
        group.start_soon(ticker)
        await process_async(data)
        group.cancel_scope.cancel()

    assert ticks > 0
