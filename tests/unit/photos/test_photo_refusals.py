"""Everything that is not an accepted, sane, readable photo is refused with the right status."""

from __future__ import annotations

import io
import random
import struct
import time

import pytest
from PIL import Image

from marketplace.photos import pipeline
from marketplace.photos.pipeline import (
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    SNIFF_BYTES,
    PhotoRejected,
    process,
    sniff_format,
)

FORMAT_MESSAGE = "Format non accepté. Formats acceptés : JPEG, PNG, WebP, HEIC/HEIF, AVIF."


def rejection(data: bytes) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        process(data)
    return caught.value


# --- Formats ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "BMP", "ICO"])
def test_other_raster_formats_are_refused(fmt, photo_bytes):
    data = photo_bytes(fmt, size=(64, 48))
    assert Image.open(io.BytesIO(data)).format == fmt  # Pillow itself would open it

    refused = rejection(data)

    assert refused.status == 415
    assert refused.message == FORMAT_MESSAGE == str(refused)


NOT_IMAGES = {
    "svg": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    "svg-bare": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    "eps": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
    "eps-binary": b"\xc5\xd0\xd3\xc6" + b"\x00" * 60,
    "text-renamed-jpg": "Bonjour, je vends un vélo.\n".encode(),
    "html": b"<!doctype html><html><body>photo</body></html>",
    "zero-bytes": b"",
    "one-byte": b"\xff",
    "jpeg-magic-cut-short": b"\xff\xd8",
    "mp4-video": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 40,
    "quicktime": b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00" * 40,
    "jpeg-xl-box": b"\x00\x00\x00\x0cJXL \r\n\x87\n" + b"\x00" * 40,
    "riff-wave": b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40,
    "random": random.Random(7).randbytes(4096),
}


@pytest.mark.parametrize("data", NOT_IMAGES.values(), ids=NOT_IMAGES.keys())
def test_non_images_are_refused_as_unsupported(data):
    assert sniff_format(data[:SNIFF_BYTES]) is None

    refused = rejection(data)

    assert refused.status == 415
    for name in ("JPEG", "PNG", "WebP", "HEIC/HEIF", "AVIF"):
        assert name in refused.message


def test_pillow_may_only_try_the_sniffed_plugin(monkeypatch, photo_bytes):
    seen: list[object] = []
    real_open = Image.open

    def spying_open(fp, mode="r", formats=None):
        seen.append(formats)
        return real_open(fp, mode, formats)

    monkeypatch.setattr(pipeline.Image, "open", spying_open)

    process(photo_bytes("PNG"))

    assert seen == [["PNG"]]


def test_generic_heif_brand_falls_back_to_the_other_iso_plugin(photo_bytes):
    heic = photo_bytes("HEIF", size=(64, 48))
    major_end = heic.index(b"ftyp") + 8
    # Claim "mif1 ... avif": we try the AVIF plugin first, it declines, HEIF decodes.
    disguised = bytearray(heic)
    disguised[major_end - 4 : major_end] = b"mif1"
    compat = disguised.index(b"heic", major_end)
    disguised[compat : compat + 4] = b"avif"
    assert sniff_format(bytes(disguised[:SNIFF_BYTES])) == "AVIF"

    photo = process(bytes(disguised))

    assert photo.source_format == "HEIF"
    assert (photo.width, photo.height) == (64, 48)


# --- Sniffing -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"])
def test_sniff_format_needs_only_the_head(fmt, photo_bytes):
    assert sniff_format(photo_bytes(fmt, size=(16, 16))[:SNIFF_BYTES]) == fmt


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIF"),
        (b"\x00\x00\x00\x18ftypheix\x00\x00\x00\x00mif1heix", "HEIF"),
        (b"\x00\x00\x00\x18ftyphevc\x00\x00\x00\x00msf1hevc", "HEIF"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "HEIF"),
        (b"\x00\x00\x00\x10ftypmif1\x00\x00\x00\x00", "HEIF"),
        (b"\x00\x00\x00\x20ftypavif\x00\x00\x00\x00avifmif1miafMA1B", "AVIF"),
        (b"\x00\x00\x00\x1cftypavis\x00\x00\x00\x00avismsf1miaf", "AVIF"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf", "AVIF"),
        # The brand list ends with the box: an "avif" after it says nothing.
        (b"\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00heicavif", "HEIF"),
        (b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01crx isom", None),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", None),
        (b"GIF89a", None),
        (b"II*\x00", None),
        (b"MM\x00*", None),
        (b"BM", None),
        (b"\x00\x00\x01\x00", None),
        (b"RIFF\x00\x00\x00\x00AVI ", None),
        (b"\xff\xd8", None),
        (b"\x89PNG", None),
        (b"", None),
    ],
)
def test_sniff_format_magic_numbers(head, expected):
    assert sniff_format(head) == expected


# --- Sizes -------------------------------------------------------------------------


def test_upload_over_the_byte_limit_is_refused_with_413():
    refused = rejection(b"\xff\xd8\xff" + b"\x00" * (MAX_UPLOAD_BYTES - 2))

    assert refused.status == 413
    assert "20 Mo" in refused.message


def test_upload_at_the_byte_limit_is_not_refused_for_its_size():
    magic = b"\x89PNG\r\n\x1a\n"
    refused = rejection(magic + b"\x00" * (MAX_UPLOAD_BYTES - len(magic)))

    assert refused.status == 422


def huge_png_header(raw_png, width: int, height: int) -> bytes:
    # A few bytes claiming a gigantic image: only the header may be read.
    return raw_png(width, height, 2, 8, b"\x00" * 64)


@pytest.mark.parametrize(
    ("width", "height"),
    [(100_000, 100_000), (10_000, 6_000), (MAX_PIXELS + 1, 1), (1, MAX_PIXELS + 1)],
)
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_header_claiming_too_many_pixels_is_refused_fast(width, height, raw_png):
    data = huge_png_header(raw_png, width, height)
    assert len(data) < 200

    started = time.perf_counter()
    refused = rejection(data)

    assert time.perf_counter() - started < 1.0
    assert refused.status == 422
    assert "50 mégapixels" in refused.message


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_warning_promoted_to_error_is_still_a_422(raw_png):
    refused = rejection(huge_png_header(raw_png, 10_000, 6_000))

    assert refused.status == 422


def test_decompression_bomb_error_is_a_422_even_without_our_header_check(monkeypatch, raw_png):
    # If our own check were bypassed, Pillow's guard must still not escape as a 500.
    monkeypatch.setattr(pipeline, "_check_dimensions", lambda size: None)

    refused = rejection(huge_png_header(raw_png, 100_000, 100_000))

    assert refused.status == 422
    assert isinstance(refused.__cause__, Image.DecompressionBombError)


def test_jpeg_header_claiming_huge_dimensions_is_refused_fast(photo_bytes):
    data = bytearray(photo_bytes("JPEG", size=(64, 48)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60_000, 60_000)  # height, width

    started = time.perf_counter()
    refused = rejection(bytes(data))

    assert time.perf_counter() - started < 1.0
    assert refused.status == 422


def test_zero_width_png_is_refused(raw_png):
    assert rejection(raw_png(0, 10, 2, 8, b"")).status == 422


# --- Damaged files -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"])
@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_image_is_refused_with_422(fmt, keep, photo_bytes):
    noisy = Image.effect_noise((256, 192), 50).convert("RGB")
    data = photo_bytes(fmt, image=noisy)
    truncated = data[: int(len(data) * keep)]

    refused = rejection(truncated)

    assert refused.status == 422
    assert "illisible" in refused.message


def test_png_with_a_corrupt_data_stream_is_a_422_not_a_black_image(photo_bytes):
    # Regression: Pillow forgets a failed decode, a second load() "succeeds".
    data = bytearray(photo_bytes("PNG", image=Image.effect_noise((200, 200), 60).convert("RGB")))
    middle = data.index(b"IDAT") + 5000
    data[middle : middle + 50] = bytes(byte ^ 0x55 for byte in data[middle : middle + 50])

    refused = rejection(bytes(data))

    assert refused.status == 422


def test_right_magic_number_with_garbage_after_is_a_422():
    refused = rejection(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)

    assert refused.status == 422


def test_rejection_carries_the_decoder_error_as_cause(photo_bytes):
    data = photo_bytes("JPEG", size=(64, 48))

    refused = rejection(data[: len(data) // 2])

    assert isinstance(refused.__cause__, OSError)
