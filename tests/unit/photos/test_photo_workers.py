"""Photos are made in worker processes: same result as ``process``, and a photo that needs too
much time or memory, or kills its worker, is refused with a 422 without harming the next one."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import anyio.to_thread
import pytest
from PIL import Image

from marketplace.photos.pipeline import PhotoRejected, process, process_async, shutdown_pool
from marketplace.photos.workers import (
    MAX_JOBS_VARIABLE,
    MEMORY_VARIABLE,
    TIME_LIMIT_VARIABLE,
    WORKERS_VARIABLE,
    JobOutOfMemory,
    JobTimedOut,
    WorkerDied,
    WorkerLimits,
    WorkerPool,
)

pytestmark = pytest.mark.anyio

PROJECT_ROOT = Path(__file__).resolve().parents[3]
TOO_HEAVY = "Cette photo est trop lourde à traiter : essayez une image plus petite."
FAILED = "Cette photo n'a pas pu être traitée"


def huge_png(width: int = 7000, height: int = 7000) -> bytes:
    """A few hundred KB of PNG that decodes to ``width`` x ``height`` RGBA pixels (196 MB for
    7000x7000), written row by row so that the test itself never holds the pixels."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes([30, 140, 60, 200]) * width  # filter byte, then the pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def heavy_png() -> bytes:
    return huge_png()


def worker_pids() -> set[int]:
    return {child.pid for child in multiprocessing.active_children() if child.pid is not None}


def wait_until(condition: Callable[[], bool], seconds: float = 20) -> None:
    """Poll what another process does (bounded): there is no event to wait on."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{condition.__doc__} did not happen within {seconds} s")
        time.sleep(0.01)


def gone(pid: int) -> Callable[[], bool]:
    def reaped() -> bool:
        """the process was reaped"""
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    return reaped


def a_worker_runs() -> bool:
    """a worker started"""
    return bool(worker_pids())


@pytest.fixture
def photo_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A fresh pipeline pool for the test, whose limits the test may set in the environment first."""
    for name in (WORKERS_VARIABLE, MAX_JOBS_VARIABLE, MEMORY_VARIABLE, TIME_LIMIT_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    shutdown_pool()
    yield monkeypatch
    shutdown_pool()


# --- Same result as process, across the process boundary ------------------------------------


def test_importing_the_pipeline_and_the_service_starts_no_process() -> None:
    script = (
        "import os, marketplace.photos.pipeline, marketplace.photos.service\n"
        "tasks = os.listdir('/proc/self/task')\n"
        "children = ''.join(open(f'/proc/self/task/{t}/children').read() for t in tasks)\n"
        "print(repr(children.strip()), len(tasks))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.split() == ["''", "1"]  # no child process, no extra thread


def test_processed_photos_and_refusals_survive_pickling(photo_bytes) -> None:
    photo = process(photo_bytes("PNG", size=(200, 100)))
    refusal = PhotoRejected(415, "Format non accepté.")

    assert pickle.loads(pickle.dumps(photo)) == photo  # noqa: S301 - our own bytes
    copy = pickle.loads(pickle.dumps(refusal))  # noqa: S301
    assert (type(copy), copy.status, copy.message) == (PhotoRejected, 415, "Format non accepté.")


async def test_a_photo_made_in_a_worker_is_the_one_process_makes(photo_pool, photo_bytes) -> None:
    data = photo_bytes("JPEG", image=Image.effect_noise((1600, 1200), 50).convert("RGB"), exif_orientation=6)

    made = await process_async(data)

    assert worker_pids(), "no worker process was started"
    expected = process(data)
    assert made == expected
    assert {name: v.content_hash for name, v in made.variants.items()} == {
        name: v.content_hash for name, v in expected.variants.items()
    }


async def test_refusals_come_back_from_the_worker_unchanged(photo_pool, photo_bytes, raw_png) -> None:
    truncated = photo_bytes("JPEG", image=Image.effect_noise((400, 300), 50).convert("RGB"))[:2000]
    too_many_pixels = raw_png(10_000, 6_000, 2, 8, b"\x00" * 64)

    for data in (truncated, too_many_pixels, b"GIF89a", b"\xff\xd8\xff" * 8_000_000):
        with pytest.raises(PhotoRejected) as in_process:
            process(data)
        with pytest.raises(PhotoRejected) as in_worker:
            await process_async(data)
        assert (in_worker.value.status, in_worker.value.message) == (
            in_process.value.status,
            in_process.value.message,
        )


# --- Time, memory, death: 422, and the next photo is made -------------------------------------


async def test_photo_past_the_time_limit_is_refused_and_the_next_one_is_made(
    photo_pool, heavy_png, photo_bytes
) -> None:
    photo_pool.setenv(TIME_LIMIT_VARIABLE, "0.3")  # the heavy PNG takes seconds

    started = time.monotonic()
    with pytest.raises(PhotoRejected) as refused:
        await process_async(heavy_png)

    assert time.monotonic() - started < 10
    assert (refused.value.status, refused.value.message) == (422, TOO_HEAVY)
    assert isinstance(refused.value.__cause__, JobTimedOut)
    next_photo = await process_async(photo_bytes("JPEG", size=(300, 200)))
    assert (next_photo.width, next_photo.height) == (300, 200)


async def test_photo_past_the_memory_limit_is_refused_and_the_next_one_is_made(
    photo_pool, heavy_png, photo_bytes
) -> None:
    # 196 MB of decoded pixels and their resize need ~400 MiB on top of a started worker.
    photo_pool.setenv(MEMORY_VARIABLE, "200")

    with pytest.raises(PhotoRejected) as refused:
        await process_async(heavy_png)

    assert (refused.value.status, refused.value.message) == (422, TOO_HEAVY)
    assert isinstance(refused.value.__cause__, JobOutOfMemory)
    next_photo = await process_async(photo_bytes("JPEG", size=(300, 200)))
    assert (next_photo.width, next_photo.height) == (300, 200)


async def test_the_heavy_png_is_made_within_the_default_limits(photo_pool, heavy_png) -> None:
    made = await process_async(heavy_png)

    assert (made.width, made.height) == (1920, 1920)


async def test_a_killed_idle_worker_is_replaced_for_the_next_photo(photo_pool, photo_bytes) -> None:
    photo_pool.setenv(WORKERS_VARIABLE, "1")
    await process_async(photo_bytes("JPEG"))
    (killed,) = worker_pids()

    os.kill(killed, signal.SIGKILL)
    wait_until(gone(killed))
    photo = await process_async(photo_bytes("JPEG", size=(64, 48)))

    assert (photo.width, photo.height) == (64, 48)
    assert worker_pids() and killed not in worker_pids()


async def test_a_photo_whose_worker_is_killed_meanwhile_is_refused_with_422(
    photo_pool, heavy_png, photo_bytes
) -> None:
    photo_pool.setenv(WORKERS_VARIABLE, "1")
    outcome: list[BaseException] = []

    async def upload() -> None:
        try:
            await process_async(heavy_png)  # seconds of work: killed long before it ends
        except PhotoRejected as refusal:
            outcome.append(refusal)

    async with anyio.create_task_group() as group:
        group.start_soon(upload)
        await anyio.to_thread.run_sync(wait_until, a_worker_runs)
        os.kill(worker_pids().pop(), signal.SIGKILL)

    (refusal,) = outcome
    assert isinstance(refusal, PhotoRejected)
    assert refusal.status == 422 and refusal.message.startswith(FAILED)
    assert isinstance(refusal.__cause__, WorkerDied)
    assert (await process_async(photo_bytes("JPEG", size=(64, 48)))).width == 64


async def test_shutdown_stops_the_workers_and_the_next_photo_starts_them_again(
    photo_pool, photo_bytes
) -> None:
    await process_async(photo_bytes("JPEG"))
    started = worker_pids()

    shutdown_pool()

    assert started and not started & worker_pids()
    assert (await process_async(photo_bytes("JPEG", size=(64, 48)))).width == 64


# --- The pool itself ------------------------------------------------------------------------------


def hold(seconds: float) -> tuple[int, float, float]:
    """A job (importable by the workers): wait, and say who ran it and when."""
    started = time.monotonic()
    time.sleep(seconds)
    return os.getpid(), started, time.monotonic()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


async def test_no_more_jobs_run_at_once_than_there_are_workers() -> None:
    pool = WorkerPool(WorkerLimits(workers=2))
    runs: list[tuple[int, float, float]] = []

    async def job() -> None:
        runs.append(await pool.run(hold, 0.2))

    try:
        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(job)
    finally:
        pool.shutdown()

    assert len(runs) == 6
    most_at_once = max(sum(1 for _, start, end in runs if start <= moment < end) for _, moment, _ in runs)
    assert most_at_once <= 2
    assert len({pid for pid, _, _ in runs}) <= 2


async def test_a_worker_is_replaced_after_its_number_of_jobs() -> None:
    pool = WorkerPool(WorkerLimits(workers=1, jobs_per_worker=2))
    try:
        pids = [(await pool.run(hold, 0))[0] for _ in range(5)]
    finally:
        pool.shutdown()

    jobs_per_process = Counter(pids).values()
    assert max(jobs_per_process) == 2
    assert len(jobs_per_process) >= 3


async def test_the_pool_recovers_from_a_timeout_a_memory_error_and_a_death() -> None:
    pool = WorkerPool(WorkerLimits(workers=1, memory_bytes=512 << 20, seconds=1))
    try:
        with pytest.raises(JobTimedOut):
            await pool.run(hold, 60)
        with pytest.raises(JobOutOfMemory):
            await pool.run(allocate, 2048)
        with pytest.raises(WorkerDied):
            await pool.run(die)

        assert await pool.run(allocate, 16) == 16 << 20
    finally:
        pool.shutdown()


def test_limits_come_from_the_environment_with_safe_defaults() -> None:
    defaults = WorkerLimits.from_environment({})
    configured = WorkerLimits.from_environment(
        {WORKERS_VARIABLE: "1", MAX_JOBS_VARIABLE: "5", MEMORY_VARIABLE: "512", TIME_LIMIT_VARIABLE: "2.5"}
    )
    mistyped = WorkerLimits.from_environment(
        {WORKERS_VARIABLE: "deux", MAX_JOBS_VARIABLE: "0", MEMORY_VARIABLE: "-1", TIME_LIMIT_VARIABLE: "inf"}
    )

    assert 1 <= defaults.workers <= 2
    assert (defaults.memory_bytes, defaults.seconds) == (1024 << 20, 30.0)
    assert (configured.workers, configured.jobs_per_worker) == (1, 5)
    assert (configured.memory_bytes, configured.seconds) == (512 << 20, 2.5)
    assert mistyped == defaults
