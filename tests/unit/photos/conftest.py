"""Factories that make test photos in memory: nothing is read from disk or downloaded."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any, Protocol

import pillow_heif
import pytest
from PIL import ExifTags, Image

pillow_heif.register_heif_opener()  # so the factories can encode HEIC

# Fast encoder settings: the tests need valid files, not pretty ones.
_FAST_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 90},
    "PNG": {},
    "WEBP": {"quality": 90},
    "HEIF": {"quality": 60, "enc_params": {"preset": "ultrafast"}},
    "AVIF": {"quality": 60, "speed": 10},
    "GIF": {},
    "TIFF": {},
    "BMP": {},
    "ICO": {},
}

# A recognisable GPS position (Paris), so tests can prove it is in the input.
GPS_LATITUDE = (48.0, 51.0, 24.0)
GPS_LONGITUDE = (2.0, 21.0, 7.0)

BASE_COLOR = (40, 120, 200)
CORNER_COLOR = (230, 20, 20)


def make_image(
    size: tuple[int, int] = (120, 80),
    *,
    mode: str = "RGB",
    color: tuple[int, ...] = BASE_COLOR,
    corner: bool = False,
) -> Image.Image:
    """A plain image; with ``corner`` a red block marks its top-left corner.

    ``color`` may carry a fourth value: the alpha of an RGBA image.
    """
    image = Image.new("RGB", size, color[:3])
    if corner:
        block = max(4, min(size) // 4)
        image.paste(CORNER_COLOR, (0, 0, block, block))
    if mode == "RGBA":
        image = image.convert("RGBA")
        if len(color) == 4:
            image.putalpha(color[3])
    elif mode != "RGB":
        image = image.convert(mode)
    return image


def exif_block(orientation: int | None = None, gps: bool = False) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps_ifd[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps_ifd[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    return exif


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **{**_FAST_SAVE_OPTIONS.get(fmt, {}), **options})
    return buffer.getvalue()


class PhotoBytes(Protocol):
    def __call__(
        self,
        fmt: str = "JPEG",
        size: tuple[int, int] = (120, 80),
        exif_orientation: int | None = None,
        gps: bool = False,
        mode: str = "RGB",
        *,
        image: Image.Image | None = None,
        **options: Any,
    ) -> bytes: ...


def photo_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (120, 80),
    exif_orientation: int | None = None,
    gps: bool = False,
    mode: str = "RGB",
    *,
    image: Image.Image | None = None,
    **options: Any,
) -> bytes:
    """Encode ``image`` (default: a plain image of ``size``/``mode``) as ``fmt``.

    ``exif_orientation`` and ``gps`` add an EXIF block; other keyword arguments
    go to Pillow's encoder (``icc_profile=``, ``xmp=``, ``comment=``...).
    """
    if image is None:
        image = make_image(size, mode=mode)
    if exif_orientation is not None or gps:
        options["exif"] = exif_block(exif_orientation, gps).tobytes()
    return encode(image, fmt, **options)


def raw_png(width: int, height: int, color_type: int, bit_depth: int, rows: bytes) -> bytes:
    """A PNG written by hand, for what Pillow cannot save (16-bit RGB) or lies (huge sizes).

    ``rows`` is the unfiltered scanline data, each row already prefixed by its filter byte.
    """

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# Fixtures hand the helpers to the test modules (a conftest is not importable as a module).


@pytest.fixture(name="photo_bytes", scope="session")
def photo_bytes_fixture() -> PhotoBytes:
    return photo_bytes


@pytest.fixture(name="make_image", scope="session")
def make_image_fixture() -> Callable[..., Image.Image]:
    return make_image


@pytest.fixture(name="encode", scope="session")
def encode_fixture() -> Callable[..., bytes]:
    return encode


@pytest.fixture(name="raw_png", scope="session")
def raw_png_fixture() -> Callable[..., bytes]:
    return raw_png


@pytest.fixture(scope="session")
def seed_photos() -> dict[str, bytes]:
    """One small valid photo per accepted format, with EXIF, for fuzzing."""
    textured = Image.effect_noise((48, 32), 60).convert("RGB")
    return {
        fmt: photo_bytes(fmt, image=textured, exif_orientation=6, gps=True)
        for fmt in ("JPEG", "PNG", "WEBP", "HEIF", "AVIF")
    }
