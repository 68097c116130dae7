"""Pictures for the demo listings, drawn with Pillow: coloured shapes and the item's title.

Nothing is downloaded. Each picture is encoded as a JPEG and then goes through the real
pipeline (``PhotoService.add``), as a neighbour's upload would.
"""

from __future__ import annotations

import io
import random
import textwrap
import unicodedata
import zlib
from typing import Final

from PIL import Image, ImageDraw, ImageFont

SIZE: Final = (800, 600)
# Soft backgrounds and brighter shapes, so that the placeholder colours differ from card to card.
BACKGROUNDS: Final = ("#f4e1c1", "#d8e8d0", "#d6e2f0", "#f2d4d7", "#e6dcf0", "#f0ecd0", "#d4ece9")
SHAPES: Final = ("#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#5e60ce", "#ef476f", "#118ab2", "#06d6a0")


def _without_accents(text: str) -> str:
    """Pillow's bundled font has no capital accented letters (É): drawn as boxes otherwise."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ValueError):  # a Pillow built without FreeType: the small bitmap font
        return ImageFont.load_default()


def demo_picture(title: str, variant: int = 0) -> bytes:
    """A JPEG of a few shapes with ``title`` on a band; the same title and variant give the same picture."""
    rng = random.Random(zlib.crc32(f"{title}/{variant}".encode()))
    image = Image.new("RGB", SIZE, rng.choice(BACKGROUNDS))
    draw = ImageDraw.Draw(image, "RGBA")
    width, height = SIZE
    for _ in range(rng.randint(3, 6)):
        color = rng.choice(SHAPES)
        left, top = rng.randint(-80, width - 120), rng.randint(-80, height - 200)
        box = (left, top, left + rng.randint(140, 380), top + rng.randint(140, 330))
        kind = rng.choice(("ellipse", "rectangle", "triangle"))
        fill = color + "cc"
        if kind == "ellipse":
            draw.ellipse(box, fill=fill)
        elif kind == "rectangle":
            draw.rounded_rectangle(box, radius=rng.randint(0, 40), fill=fill)
        else:
            draw.polygon([(box[0], box[3]), ((box[0] + box[2]) // 2, box[1]), (box[2], box[3])], fill=fill)
    font = _font(44)
    lines = textwrap.wrap(_without_accents(title), width=30)[:2]
    band_top = height - 48 - 56 * len(lines)
    draw.rectangle((0, band_top, width, height), fill=(255, 255, 255, 215))
    for index, line in enumerate(lines):
        draw.text((36, band_top + 24 + 56 * index), line, fill="#1f2430", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
