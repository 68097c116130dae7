"""Accepted formats become three WebP variants of the right size and colour."""

from __future__ import annotations

import hashlib
import io
import re
import struct

import pytest
from PIL import Image

from marketplace.photos.pipeline import (
    PhotoVariant,
    ProcessedPhoto,
    process,
    sniff_format,
)

ACCEPTED = ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"]
KEY_PATTERN = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.webp")


def open_variant(variant: PhotoVariant) -> Image.Image:
    image = Image.open(io.BytesIO(variant.data))
    assert image.format == "WEBP"
    assert image.size == (variant.width, variant.height)
    image.load()
    return image


def center_pixel(image: Image.Image) -> tuple[int, ...]:
    pixel = image.getpixel((image.width // 2, image.height // 2))
    assert isinstance(pixel, tuple)
    return pixel


def assert_close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> None:
    assert len(actual) == len(expected), (actual, expected)
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), (
        actual,
        expected,
    )


@pytest.mark.parametrize("fmt", ACCEPTED)
def test_each_format_gives_three_webp_variants_with_the_right_long_edges(fmt, photo_bytes):
    # A gradient rather than a flat colour: some encoders take shortcuts on flat images.
    gradient = Image.linear_gradient("L").resize((2400, 1600)).convert("RGB")
    data = photo_bytes(fmt, image=gradient)
    assert sniff_format(data[:64]) == fmt

    photo = process(data)

    assert isinstance(photo, ProcessedPhoto)
    assert photo.source_format == fmt
    sizes = {name: (v.width, v.height) for name, v in photo.variants.items()}
    assert sizes == {"large": (1920, 1280), "medium": (960, 640), "thumb": (320, 213)}
    assert (photo.width, photo.height) == (1920, 1280)
    for variant in photo.variants.values():
        open_variant(variant)


@pytest.mark.parametrize("fmt", ACCEPTED)
def test_small_sources_are_never_upscaled(fmt, photo_bytes):
    photo = process(photo_bytes(fmt, size=(500, 300)))

    sizes = {name: (v.width, v.height) for name, v in photo.variants.items()}
    assert sizes == {"large": (500, 300), "medium": (500, 300), "thumb": (320, 192)}
    assert (photo.width, photo.height) == (500, 300)
    # Same size, same picture: encoded once, stored once.
    assert photo.variants["large"] is photo.variants["medium"]


def test_tiny_source_keeps_every_variant_key(photo_bytes):
    photo = process(photo_bytes("PNG", size=(1, 1)))

    assert set(photo.variants) == {"thumb", "medium", "large"}
    assert {(v.width, v.height) for v in photo.variants.values()} == {(1, 1)}


def test_portrait_source_caps_the_height(photo_bytes):
    photo = process(photo_bytes("JPEG", size=(1000, 3000)))

    sizes = {name: (v.width, v.height) for name, v in photo.variants.items()}
    assert sizes == {"large": (640, 1920), "medium": (320, 960), "thumb": (107, 320)}


def test_variants_are_named_by_the_sha256_of_their_bytes(photo_bytes):
    photo = process(photo_bytes("JPEG", size=(1200, 900)))

    for variant in photo.variants.values():
        assert variant.content_hash == hashlib.sha256(variant.data).hexdigest()
        assert KEY_PATTERN.fullmatch(variant.key)
        assert variant.key.startswith(f"{variant.content_hash[:2]}/{variant.content_hash[2:4]}/")
        assert variant.key.endswith(f"/{variant.content_hash}.webp")
    assert len({v.key for v in photo.variants.values()}) == 3


def test_same_upload_gives_the_same_keys(photo_bytes):
    data = photo_bytes("JPEG", size=(1200, 900))

    first, second = process(data), process(data)

    assert {n: v.key for n, v in first.variants.items()} == {n: v.key for n, v in second.variants.items()}


def test_placeholder_is_the_average_colour(photo_bytes, make_image):
    photo = process(photo_bytes("PNG", image=make_image((300, 200), color=(200, 30, 40))))

    assert photo.placeholder_color == "#c81e28"


def test_placeholder_of_a_half_red_half_blue_image_is_purple(photo_bytes):
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))

    photo = process(photo_bytes("PNG", image=image))

    red, green, blue = (int(photo.placeholder_color[i : i + 2], 16) for i in (1, 3, 5))
    assert abs(red - 128) <= 3 and green <= 3 and abs(blue - 128) <= 3


# --- Colour modes --------------------------------------------------------------------


def test_cmyk_jpeg_with_adobe_inverted_cmyk_looks_red(photo_bytes):
    data = photo_bytes("JPEG", image=Image.new("CMYK", (64, 48), (0, 255, 255, 0)))
    assert b"Adobe" in data  # libjpeg writes CMYK inverted, flagged by the Adobe marker

    large = open_variant(process(data).variants["large"])

    assert large.mode == "RGB"
    assert_close(center_pixel(large), (255, 0, 0))


def test_grayscale_jpeg_stays_gray(photo_bytes):
    large = open_variant(process(photo_bytes("JPEG", mode="L")).variants["large"])

    red, green, blue = center_pixel(large)[:3]
    assert abs(red - green) <= 3 and abs(green - blue) <= 3


def test_16_bit_grayscale_png_is_scaled_not_clipped(raw_png):
    mid_gray = struct.pack(">H", 32768)
    data = raw_png(8, 8, 0, 16, (b"\x00" + mid_gray * 8) * 8)
    assert Image.open(io.BytesIO(data)).mode.startswith("I")

    large = open_variant(process(data).variants["large"])

    assert_close(center_pixel(large)[:3], (128, 128, 128), tolerance=4)


def test_16_bit_rgb_png_keeps_its_colour(raw_png):
    orange = struct.pack(">HHH", 65535, 32768, 0)
    data = raw_png(8, 8, 2, 16, (b"\x00" + orange * 8) * 8)

    large = open_variant(process(data).variants["large"])

    assert_close(center_pixel(large)[:3], (255, 128, 0), tolerance=6)


def test_png_with_transparency_keeps_its_alpha(photo_bytes, make_image):
    image = make_image((64, 48), mode="RGBA", color=(200, 30, 40, 128))

    photo = process(photo_bytes("PNG", image=image))

    for variant in photo.variants.values():
        decoded = open_variant(variant)
        assert decoded.mode == "RGBA"
        assert_close(center_pixel(decoded), (200, 30, 40, 128), tolerance=6)


def test_fully_transparent_corner_stays_transparent(photo_bytes):
    image = Image.new("RGBA", (64, 48), (0, 200, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 32, 48))

    large = open_variant(process(photo_bytes("PNG", image=image)).variants["large"])

    left, right = large.getpixel((4, 24)), large.getpixel((60, 24))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert left[3] == 0 and right[3] == 255


def test_palette_png_keeps_its_colours(photo_bytes):
    image = Image.new("P", (64, 48), 1)
    image.putpalette([0, 0, 0, 250, 200, 10])

    large = open_variant(process(photo_bytes("PNG", image=image)).variants["large"])

    assert_close(center_pixel(large)[:3], (250, 200, 10), tolerance=6)


def test_palette_png_with_transparent_index_gets_alpha(photo_bytes):
    image = Image.new("P", (64, 48), 1)
    image.putpalette([0, 0, 0, 250, 200, 10])
    image.paste(0, (0, 0, 32, 48))

    large = open_variant(process(photo_bytes("PNG", image=image, transparency=0)).variants["large"])

    left, right = large.getpixel((4, 24)), large.getpixel((60, 24))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert left[3] == 0
    assert_close(right, (250, 200, 10, 255), tolerance=6)


def test_gray_png_with_alpha_becomes_rgba(photo_bytes):
    image = Image.new("LA", (64, 48), (90, 100))

    large = open_variant(process(photo_bytes("PNG", image=image)).variants["large"])

    assert large.mode == "RGBA"
    assert_close(center_pixel(large), (90, 90, 90, 100), tolerance=6)


def test_one_bit_png_becomes_black_and_white(photo_bytes):
    image = Image.new("1", (64, 48), 1)

    large = open_variant(process(photo_bytes("PNG", image=image)).variants["large"])

    assert_close(center_pixel(large)[:3], (255, 255, 255), tolerance=4)


@pytest.mark.parametrize("fmt", ["WEBP", "AVIF"])
def test_animated_image_uses_its_first_frame(fmt, encode):
    frames = [Image.new("RGB", (64, 48), color) for color in ((220, 20, 20), (20, 20, 220))]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2

    large = open_variant(process(data).variants["large"])

    assert_close(center_pixel(large)[:3], (220, 20, 20), tolerance=20)


def test_heic_sequence_uses_its_primary_image(encode):
    frames = [Image.new("RGB", (64, 48), color) for color in ((220, 20, 20), (20, 20, 220))]
    data = encode(frames[0], "HEIF", save_all=True, append_images=frames[1:])

    large = open_variant(process(data).variants["large"])

    assert_close(center_pixel(large)[:3], (220, 20, 20), tolerance=20)
