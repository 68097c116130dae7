"""``process_async`` runs the pipeline off the event loop, two photos at a time at most."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from marketplace.photos import pipeline
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


async def test_at_most_two_photos_are_processed_at_once(monkeypatch):
    lock = threading.Lock()
    running = peak = 0

    def slow_process(data: bytes) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return "done"

    monkeypatch.setattr(pipeline, "process", slow_process)
    results: list[object] = []

    async def upload() -> None:
        results.append(await process_async(b""))

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(upload)

    assert results == ["done"] * 10
    assert peak == 2


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
