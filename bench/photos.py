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
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import pillow_heif  # noqa: E402
from PIL import Image, ImageChops, ImageDraw, ImageFilter  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (median reported)")
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
    print(f"{os.cpu_count()} CPU(s), {arguments.runs} timed runs per case, WebP quality {WEBP_QUALITY}")
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
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
                for name, (seconds, output_bytes) in median_seconds(data, arguments.runs).items()
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
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
