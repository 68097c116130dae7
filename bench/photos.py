"""Benchmark of the photo pipeline against a plain Pillow baseline.

Run from the project root:

    .venv/bin/python bench/photos.py            # 7 timed runs per case
    .venv/bin/python bench/photos.py --runs 15

It makes two 12-megapixel (4000x3000) photo-like inputs in memory (a JPEG and a
HEIC tiled like an iPhone's), then for each prints the median wall time of
``marketplace.photos.pipeline.process`` and of a naive baseline doing the same
job with Pillow (open, convert to RGB, resize the source to 1920/960/320 px with
LANCZOS, save WebP at the same quality), plus the peak memory of one run.

Peak memory is the growth of the peak resident set size during a single run,
measured in a fresh subprocess per (case, implementation) once the imports and
the input bytes are loaded: Linux's VmHWM (``/proc/self/status``), reset just
before the run, minus VmRSS at that moment. tracemalloc would not do: Pillow and
the codecs allocate pixel buffers with malloc, invisible to it.

The ``uploads`` scenario serves the real app (``marketplace run`` on a free
loopback port, embedded SQLite mode, a temporary data directory) and sends it
20 uploads at once of a 7000x7000 RGBA PNG (~200 KB that decode to 196 MB),
then of a 12 MP JPEG, while it samples the resident memory of the web process
and of its child processes (/proc/<pid>/status) and times the home page. It
does so twice in the same run: with photos made in threads of the web process
(the code before the worker pool, put back by a launcher) and with the worker
processes of ``marketplace.photos.workers``.

    .venv/bin/python bench/photos.py --scenario uploads
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import anyio  # noqa: E402
import httpx  # noqa: E402
import pillow_heif  # noqa: E402
from PIL import Image, ImageChops, ImageDraw, ImageFilter  # noqa: E402

from bench.serving import Served, app_environment, free_port, marketplace_command, serving  # noqa: E402
from marketplace.photos.pipeline import VARIANT_LONG_EDGES, WEBP_QUALITY, process  # noqa: E402

pillow_heif.register_heif_opener()

SOURCE_SIZE = (4000, 3000)


# --- Inputs -----------------------------------------------------------------------


def make_photo_like_image(size: tuple[int, int] = SOURCE_SIZE, seed: int = 2024) -> Image.Image:
    """Smooth colour regions, sharp-edged objects, a sky gradient and sensor grain.

    Flat colours would flatter every codec; pure noise would be unlike any photo.
    """
    rng = random.Random(seed)
    width, height = size
    coarse = Image.frombytes("RGB", (8, 6), rng.randbytes(8 * 6 * 3))
    image = coarse.resize(size, Image.Resampling.BICUBIC)
    sky = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(image, ImageChops.multiply(sky, Image.new("RGB", size, (120, 170, 255))), 0.35)
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randrange(40, 900), y0 + rng.randrange(40, 700))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    grain = Image.effect_noise(size, 8).convert("RGB")
    return ImageChops.add(image, grain, scale=1.0, offset=-128)


def encode_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)  # 4:2:0, like most cameras
    return buffer.getvalue()


def encode_heic(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # 512 px grid tiles like an iPhone, ~3 MB like an iPhone's 12 MP HEIC; a fast
    # x265 preset keeps the setup short (it changes encoding time, not decoding work).
    image.save(buffer, "HEIF", quality=50, tile_size=512, enc_params={"preset": "fast"})
    return buffer.getvalue()


# --- The two implementations ---------------------------------------------------------


def baseline(data: bytes) -> int:
    """What one would write first: every size from the full-size source."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    total = 0
    for long_edge in VARIANT_LONG_EDGES.values():
        scale = min(1.0, long_edge / max(image.size))
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        buffer = io.BytesIO()
        image.resize(size, Image.Resampling.LANCZOS).save(buffer, "WEBP", quality=WEBP_QUALITY)
        total += buffer.tell()
    return total


def pipeline(data: bytes) -> int:
    photo = process(data)
    return sum(len(v.data) for v in {v.key: v for v in photo.variants.values()}.values())


IMPLEMENTATIONS: dict[str, Callable[[bytes], int]] = {"baseline": baseline, "pipeline": pipeline}


# --- Measuring ----------------------------------------------------------------------


def median_seconds(data: bytes, runs: int) -> dict[str, tuple[float, int]]:
    """Median wall time and output size of each implementation on ``data``.

    Runs alternate between the implementations so that a burst of load on the
    machine hits both alike.
    """
    output_bytes = {name: function(data) for name, function in IMPLEMENTATIONS.items()}  # warm-up
    timings: dict[str, list[float]] = {name: [] for name in IMPLEMENTATIONS}
    for _ in range(runs):
        for name, function in IMPLEMENTATIONS.items():
            started = time.perf_counter()
            function(data)
            timings[name].append(time.perf_counter() - started)
    return {name: (statistics.median(timings[name]), output_bytes[name]) for name in IMPLEMENTATIONS}


def peak_rss_growth_mib(implementation: str, input_path: Path) -> float:
    """Run one call in a fresh interpreter and return how much its peak RSS grew."""
    result = subprocess.run(
        [sys.executable, __file__, "--memory-probe", implementation, str(input_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(result.stdout.strip())


def memory_probe(implementation: str, input_path: str) -> None:
    data = Path(input_path).read_bytes()
    resident_before = _reset_peak_rss_kib()
    IMPLEMENTATIONS[implementation](data)
    print(f"{(_peak_rss_kib() - resident_before) / 1024:.1f}")


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_peak_rss_kib() -> int:
    """Reset the peak-RSS mark and return the current RSS.

    ru_maxrss cannot be used here: when subprocess forks the (big) parent, the
    child's ru_maxrss starts at the parent's size. /proc's VmHWM belongs to the
    new address space and can be reset (Linux >= 4.0).
    """
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kib("VmRSS")


def _peak_rss_kib() -> int:
    return _status_kib("VmHWM")


# --- Uploads to the served app --------------------------------------------------------------

UPLOADS_AT_ONCE = 20  # the default of --uploads
PHOTOS_PER_LISTING = 10  # marketplace.photos.service.MAX_PHOTOS_PER_LISTING
SAMPLE_EVERY = 0.05  # seconds between two readings of /proc
HOME_EVERY = 0.1  # seconds between the end of a home page request and the next
SETTLE = 3.0  # seconds of quiet after a round, before "after" is read
REQUEST_TIMEOUT = 300.0
ADMIN_EMAIL = "bench@example.org"
PASSWORD = "bench password, loopback only"  # noqa: S105 - a throwaway account on 127.0.0.1
SLUG = "bench"

# The code before the worker pool: process() in a thread of the web process, two at a time.
# Replaced before the app (and so the photo service) is imported.
THREADED_LAUNCHER = """
import sys
import anyio
import anyio.to_thread
from marketplace.photos import pipeline

limiter = anyio.CapacityLimiter(2)


async def process_in_a_thread(data):
    return await anyio.to_thread.run_sync(pipeline.process, data, limiter=limiter)


pipeline.process_async = process_in_a_thread
from marketplace.cli import main

main(sys.argv[1:])
"""

MODES = {
    "threads": "photos made in threads of the web process (before)",
    "workers": "photos made in worker processes (after)",
}


def make_big_png() -> bytes:
    """7000x7000 RGBA, flat shapes: a couple of hundred KB that decode to 196 MB."""
    rng = random.Random(7)
    image = Image.new("RGBA", (7000, 7000), (250, 246, 238, 255))
    draw = ImageDraw.Draw(image)
    for index in range(8):
        x, y = rng.randrange(7000), rng.randrange(7000)
        box = (x, y, x + rng.randrange(200, 3000), y + rng.randrange(200, 3000))
        fill = (*(rng.randrange(256) for _ in range(3)), rng.randrange(60, 256))
        (draw.ellipse if index % 3 == 0 else draw.rectangle)(box, fill=fill)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _status_of(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in KiB; empty once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except (FileNotFoundError, ProcessLookupError):
        return {}
    fields = {}
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _reset_peak_of(pid: int) -> None:
    """Reset the high-water mark of ``pid`` (VmHWM), so that its next peak is this round's."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    pending = [pid]
    while pending and len(found) < 1000:  # bounded, whatever /proc says
        parent = pending.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            found.extend(children)
            pending.extend(children)
    return found


def _children_rss_kib(pid: int) -> tuple[int, int]:
    """(how many child processes, their total VmRSS in KiB)."""
    children = _descendants(pid)
    return len(children), sum(_status_of(child).get("VmRSS", 0) for child in children)


@contextmanager
def served_app(mode: str, directory: Path) -> Iterator[Served]:
    """``marketplace run`` on a free loopback port, embedded mode, a site admin and a community."""
    environment = app_environment(directory)
    command = marketplace_command()
    for arguments in (
        ["users", "create", "--email", ADMIN_EMAIL, "--name", "Bench", "--password", PASSWORD, "--admin"],
        [
            "communities",
            "create",
            "--slug",
            SLUG,
            "--name",
            "Bench",
            "--template",
            "vide-grenier",
            "--admin-email",
            ADMIN_EMAIL,
        ],
    ):
        subprocess.run([command, *arguments], env=environment, check=True, capture_output=True, timeout=120)
    port = free_port()
    serve = ["run", "--host", "127.0.0.1", "--port", str(port)]
    launcher = [sys.executable, "-c", THREADED_LAUNCHER, *serve] if mode == "threads" else [command, *serve]
    with serving(launcher, port, environment, directory / f"server-{mode}.log") as served:
        yield served


@dataclass
class Round:
    case: str
    web_before_kib: int
    web_peak_kib: int = 0
    web_after_kib: int = 0
    children_peak_kib: int = 0
    children_peak_count: int = 0
    children_after_kib: int = 0
    children_after_count: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    refusals: dict[int, str] = field(default_factory=dict)
    """The first answer's detail for each status other than 201."""
    home_seconds: list[float] = field(default_factory=list)


async def _sample_memory(pid: int, result: Round, done: anyio.Event) -> None:
    while not done.is_set():
        result.web_peak_kib = max(result.web_peak_kib, _status_of(pid).get("VmRSS", 0))
        count, children_kib = _children_rss_kib(pid)
        if children_kib > result.children_peak_kib:
            result.children_peak_kib, result.children_peak_count = children_kib, count
        await anyio.sleep(SAMPLE_EVERY)


async def _time_home_page(client: httpx.AsyncClient, result: list[float], done: anyio.Event) -> None:
    while not done.is_set():
        started = time.perf_counter()
        response = await client.get("/")
        response.raise_for_status()
        result.append(time.perf_counter() - started)
        await anyio.sleep(HOME_EVERY)


async def _upload_round(
    served: Served,
    client: httpx.AsyncClient,
    token: str,
    listings: list[str],
    case: str,
    photo: tuple,
    uploads_at_once: int,
) -> Round:
    filename, data, content_type = photo
    # Reset the web process's high-water mark, so that its peak is this round's (Linux >= 4.0).
    _reset_peak_of(served.pid)
    result = Round(case, web_before_kib=_status_of(served.pid)["VmRSS"])
    done = anyio.Event()

    async def upload(index: int) -> None:
        response = await client.post(
            f"/api/v1/listings/{listings[index // PHOTOS_PER_LISTING]}/photos",
            files={"file": (filename, data, content_type)},
            headers={"Authorization": f"Bearer {token}"},
        )
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
        if response.status_code != 201:
            result.refusals.setdefault(response.status_code, response.text[:200])

    started = time.perf_counter()
    async with anyio.create_task_group() as watchers:
        watchers.start_soon(_sample_memory, served.pid, result, done)
        watchers.start_soon(_time_home_page, client, result.home_seconds, done)
        async with anyio.create_task_group() as uploads:
            for index in range(uploads_at_once):
                uploads.start_soon(upload, index)
        result.seconds = time.perf_counter() - started
        done.set()
    result.web_peak_kib = max(result.web_peak_kib, _status_of(served.pid)["VmHWM"])
    await anyio.sleep(SETTLE)
    result.web_after_kib = _status_of(served.pid)["VmRSS"]
    result.children_after_count, result.children_after_kib = _children_rss_kib(served.pid)
    return result


async def _measure(
    served: Served, photos: dict[str, tuple], uploads_at_once: int
) -> tuple[int, list[float], list[Round]]:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=REQUEST_TIMEOUT) as client:
        response = await client.post("/api/v1/auth/tokens", json={"email": ADMIN_EMAIL, "password": PASSWORD})
        response.raise_for_status()
        token = response.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        response = await client.get(f"/api/v1/communities/{SLUG}/categories", headers=auth)
        response.raise_for_status()
        category_id = response.json()["items"][0]["id"]
        listings_per_round = -(-uploads_at_once // PHOTOS_PER_LISTING)
        listings: list[str] = []
        for number in range(listings_per_round * len(photos)):
            response = await client.post(
                f"/api/v1/communities/{SLUG}/listings",
                json={
                    "kind": "give",
                    "title": f"Lot de cartons n° {number + 1}",
                    "description": "Pour un déménagement.",
                    "category_id": category_id,
                },
                headers=auth,
            )
            response.raise_for_status()
            listings.append(response.json()["id"])
        idle_home: list[float] = []
        for _ in range(10):
            started = time.perf_counter()
            (await client.get("/")).raise_for_status()
            idle_home.append(time.perf_counter() - started)
        start_kib = _status_of(served.pid)["VmRSS"]
        rounds = []
        for number, (case, photo) in enumerate(photos.items()):
            these = listings[number * listings_per_round : (number + 1) * listings_per_round]
            rounds.append(await _upload_round(served, client, token, these, case, photo, uploads_at_once))
        return start_kib, idle_home, rounds


def uploads_scenario(uploads_at_once: int, modes: list[str]) -> None:
    print(f"\n== {uploads_at_once} uploads at once to the served app (marketplace run, embedded mode) ==")
    print("Making the inputs...", flush=True)
    png = make_big_png()
    jpeg = encode_jpeg(make_photo_like_image())
    photos = {
        "PNG 7000x7000 RGBA": ("poster.png", png, "image/png"),
        "JPEG 12 MP": ("photo.jpg", jpeg, "image/jpeg"),
    }
    print(f"PNG {len(png) / 1024:.0f} KB, JPEG {len(jpeg) / 1e6:.1f} MB", flush=True)
    results: dict[str, tuple[int, list[float], list[Round]]] = {}
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix=f"bench-uploads-{mode}-") as directory:
            print(f"Serving the app, {MODES[mode]}...", flush=True)
            with served_app(mode, Path(directory)) as served:
                results[mode] = anyio.run(_measure, served, photos, uploads_at_once)
    mib = 1024

    print()
    header = (
        f"{'photos made in':<15} {'round':<19} {'web RSS MiB: start':>18} {'before':>7} {'peak':>6}"
        f" {'after':>6}  {'children: peak':>14} {'after':>6}  {'home page s: idle':>17}"
        f" {'median':>7} {'worst':>6}  {'round s':>7}  statuses"
    )
    print(header)
    print("-" * len(header))
    for mode, (start_kib, idle_home, rounds) in results.items():
        for result in rounds:
            children_peak = f"{result.children_peak_kib / mib:.0f} ({result.children_peak_count})"
            children_after = f"{result.children_after_kib / mib:.0f} ({result.children_after_count})"
            home = result.home_seconds or [float("nan")]
            print(
                f"{mode:<15} {result.case:<19} {start_kib / mib:>18.0f} {result.web_before_kib / mib:>7.0f}"
                f" {result.web_peak_kib / mib:>6.0f} {result.web_after_kib / mib:>6.0f}"
                f"  {children_peak:>14} {children_after:>6}"
                f"  {statistics.median(idle_home):>17.3f} {statistics.median(home):>7.3f} {max(home):>6.2f}"
                f"  {result.seconds:>7.1f}  {dict(sorted(result.statuses.items()))}"
            )
    for mode, (_, _, rounds) in results.items():
        for result in rounds:
            for status, detail in result.refusals.items():
                print(f"{mode}, {result.case}: {status} {detail}")
    print(
        f"\nweb RSS: VmRSS of the web process once set up (start), before the round, its peak during"
        f" the round (VmHWM, reset first),\nand {SETTLE:.0f} s after the last upload answered."
        " children: total VmRSS of the web process's child processes (how many), sampled"
        f" every {SAMPLE_EVERY * 1000:.0f} ms.\nhome page: GET / one after another during the round"
        f" ({HOME_EVERY * 1000:.0f} ms apart); idle: median of 10 before any upload."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (median reported)")
    parser.add_argument(
        "--scenario",
        choices=["pipeline", "uploads", "all"],
        default="all",
        help="pipeline: process() against the baseline; uploads: the served app's memory under 20 uploads",
    )
    parser.add_argument(
        "--uploads", type=int, default=UPLOADS_AT_ONCE, help="uploads sent at once in each round"
    )
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help="where photos are made, comma-separated: threads (before), workers (after)",
    )
    parser.add_argument(
        "--memory-probe", nargs=2, metavar=("IMPLEMENTATION", "INPUT"), help=argparse.SUPPRESS
    )
    arguments = parser.parse_args()
    if arguments.memory_probe:
        memory_probe(*arguments.memory_probe)
        return

    print(
        f"Python {sys.version.split()[0]}, Pillow {Image.__version__}, pillow-heif {pillow_heif.__version__}"
    )
    print(f"{os.cpu_count()} CPU(s), WebP quality {WEBP_QUALITY}")
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if arguments.scenario in ("pipeline", "all"):
        pipeline_scenario(arguments.runs)
    if arguments.scenario in ("uploads", "all"):
        uploads_scenario(arguments.uploads, arguments.modes.split(","))
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def pipeline_scenario(runs: int) -> None:
    print(f"\n== The pipeline against a naive Pillow baseline, {runs} timed runs per case ==")
    print("Making the inputs...", flush=True)
    source = make_photo_like_image()
    inputs = {"JPEG 12 MP": encode_jpeg(source), "HEIC 12 MP": encode_heic(source)}
    del source

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as directory:
        for case, data in inputs.items():
            input_path = Path(directory) / "input"
            input_path.write_bytes(data)
            figures = {
                name: (seconds, peak_rss_growth_mib(name, input_path), output_bytes)
                for name, (seconds, output_bytes) in median_seconds(data, runs).items()
            }
            rows.append((case, len(data), figures))

    print()
    header = (
        f"{'input':<12} {'size':>7}  {'baseline':>9} {'pipeline':>9} {'ratio':>6}"
        f"  {'peak RSS base':>13} {'peak RSS pipe':>13}  {'WebP out base/pipe':>19}"
    )
    print(header)
    print("-" * len(header))
    for case, size, figures in rows:
        (base_s, base_mib, base_out), (pipe_s, pipe_mib, pipe_out) = figures["baseline"], figures["pipeline"]
        times = f"{base_s * 1000:>7.0f}ms {pipe_s * 1000:>7.0f}ms {pipe_s / base_s:>6.2f}"
        memory = f"{base_mib:>10.0f}MiB {pipe_mib:>10.0f}MiB"
        output = f"{base_out // 1024:>8}K/{pipe_out // 1024}K"
        print(f"{case:<12} {size / 1e6:>5.1f}MB  {times}  {memory}  {output}")
    print("\nratio = pipeline / baseline median time (lower is better).")
    print("peak RSS = growth of the peak resident set (VmHWM) during one run, in a fresh subprocess.")


if __name__ == "__main__":
    main()
