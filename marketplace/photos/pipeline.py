"""Turn an uploaded photo into clean, upright WebP variants.

Pure and synchronous: bytes in, ``ProcessedPhoto`` out, or ``PhotoRejected``
(carrying the HTTP status and a French message) for anything we will not keep.
No web framework, no database, no file system. ``process_async`` is the only
concession to the web layer: it runs ``process`` in a small pool of worker
processes (``workers``), each with a memory and a time limit, so that the web
process never holds a decoded image and a hostile one is refused with a 422.

Order of work, chosen for speed and memory (a 12 MP upload is 36 MB decoded):

1. refuse by size, then by magic number (the name and content type are ignored);
2. open lazily with Pillow restricted to the sniffed format, check the pixel
   count from the header *before* decoding anything;
3. decode, asking libjpeg for 1/2, 1/4 or 1/8 scale when the large variant
   allows it (``draft``); keep the EXIF orientation and ICC profile aside;
4. downscale to the large variant in the source orientation, then colour-manage
   to sRGB and rotate/mirror: both commute with scaling and cost 4 to 16 times
   less on the smaller image;
5. copy the pixels into a brand-new image (no EXIF/GPS, XMP, IPTC, ICC,
   comments can follow), derive medium from large and thumb from medium;
6. encode each as WebP and name it by the SHA-256 of its bytes.

The original bytes are never kept: only the variants leave this module.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import logging
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, NamedTuple

import pillow_heif
from PIL import Image

from marketplace.photos.workers import JobOutOfMemory, JobTimedOut, WorkerDied, WorkerLimits, WorkerPool

try:  # littlecms is optional in Pillow builds; without it we convert naively.
    from PIL import ImageCms
except ImportError:  # pragma: no cover - depends on the Pillow build
    ImageCms = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# --- Limits --------------------------------------------------------------------

MAX_UPLOAD_BYTES: Final = 20 * 1024 * 1024
"""Largest accepted upload (20 MiB). The web layer enforces it while streaming."""

MAX_PIXELS: Final = 50_000_000
"""Largest accepted image, in pixels (50 megapixels), checked from the header."""

SNIFF_BYTES: Final = 64
"""How many leading bytes ``sniff_format`` needs to recognise every accepted format."""

# Pillow refuses (DecompressionBombError) above twice this value and warns above it.
# It is process-wide, so only ever tighten it; our own header check below is the
# real guard (it runs even if someone else sets the limit to None later).
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# --- Accepted formats ------------------------------------------------------------

JPEG: Final = "JPEG"
PNG: Final = "PNG"
WEBP: Final = "WEBP"
HEIF: Final = "HEIF"
AVIF: Final = "AVIF"

ACCEPTED_FORMATS: Final = (JPEG, PNG, WEBP, HEIF, AVIF)
"""Pillow format names returned by ``sniff_format`` (HEIF covers HEIC)."""

# HEIC/HEIF is decoded by pillow-heif's plugin, registered under the name "HEIF".
pillow_heif.register_heif_opener()

# Only these Pillow plugins may ever look at an upload: never let Pillow fall back
# to its other plugins (EPS would start Ghostscript, for one).
_PILLOW_PLUGINS_FOR: Final[Mapping[str, list[str]]] = {
    JPEG: [JPEG],
    PNG: [PNG],
    WEBP: [WEBP],
    # Both plugins accept the generic "mif1"/"msf1" brands; the sniffed one goes
    # first and the other gets a chance if the first finds the codec is not its own
    # (see _open_lazily: Pillow itself would not retry on a RuntimeError).
    HEIF: [HEIF, AVIF],
    AVIF: [AVIF, HEIF],
}

_JPEG_MAGIC: Final = b"\xff\xd8\xff"
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_HEIC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_GENERIC_HEIF_BRANDS: Final = frozenset({b"mif1", b"msf1"})

# --- Variants -------------------------------------------------------------------


class _VariantSpec(NamedTuple):
    name: str
    long_edge: int
    webp_method: int


# Largest first: each variant is resized from the previous one, not from the source.
# WebP method (0 fastest .. 6 smallest), measured on a photo-like 12 MP source
# (see bench/README.md): for 1920 px, method 1 takes ~47 ms against ~186 ms for
# method 4 (the default) for 2% more bytes at the same PSNR; for 960 px method 2
# is ~14 ms against ~40 ms, +6% bytes. The 320 px thumbnails, the most served,
# cost a few ms at any method and keep the default.
_VARIANT_SPECS: Final = (
    _VariantSpec("large", 1920, 1),
    _VariantSpec("medium", 960, 2),
    _VariantSpec("thumb", 320, 4),
)
VARIANT_LONG_EDGES: Final[Mapping[str, int]] = {s.name: s.long_edge for s in _VARIANT_SPECS}
"""Variant name -> longest edge in pixels. Smaller sources are never upscaled."""

WEBP_QUALITY: Final = 80

_RESAMPLING: Final = Image.Resampling.LANCZOS
# Before LANCZOS, shrink by an integer factor with a box filter, leaving at least 2x
# for LANCZOS to do (so only for sources 4x the target or more): Image.thumbnail's
# default, visually indistinguishable and much faster on big sources.
_REDUCING_GAP: Final = 2.0

# --- Messages (shown to the user, in French) ---------------------------------------


def _(message: str) -> str:
    """Mark a French message for the catalogue (``pybabel extract -k _``), untranslated.

    The pipeline knows nothing of requests or languages: the web layer shows
    ``PhotoRejected.message`` through ``marketplace.web.i18n.gettext``, which finds
    the English text in the catalogue because the French one is its msgid.
    """
    return message


_MSG_FORMAT: Final = _("Format non accepté. Formats acceptés : JPEG, PNG, WebP, HEIC/HEIF, AVIF.")
_MSG_TOO_LARGE_FILE: Final = _("Fichier trop volumineux : 20 Mo au maximum.")
_MSG_TOO_MANY_PIXELS: Final = _("Image trop grande : 50 mégapixels au maximum.")
_MSG_UNREADABLE: Final = _("Image illisible : le fichier semble tronqué ou endommagé.")
_MSG_TOO_HEAVY: Final = _("Cette photo est trop lourde à traiter : essayez une image plus petite.")
_MSG_PROCESSING_FAILED: Final = _(
    "Cette photo n'a pas pu être traitée : essayez de l'enregistrer à nouveau ou envoyez-en une autre."
)

# What Pillow and its codecs raise on hostile or damaged input. Anything else is
# also turned into a 422 (the user can do nothing else with it), but logged as a
# probable bug in this module.
_DECODER_ERRORS: Final = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    ValueError,
    SyntaxError,  # Pillow's way of saying "not my format" or "bad header"
    struct.error,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    RuntimeError,
)


class PhotoRejected(Exception):
    """The upload cannot become a listing photo.

    ``status`` is the HTTP status to answer with (413, 415 or 422) and
    ``message`` a French sentence that can be shown to the user as is.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def __reduce__(self) -> tuple[type[PhotoRejected], tuple[int, str]]:
        # Raised in a worker process, re-raised in the web process: pickle must know both
        # arguments (by default it would call PhotoRejected(message) and fail).
        return type(self), (self.status, self.message)


class PhotoVariant(NamedTuple):
    """One encoded WebP rendition of the photo."""

    data: bytes
    width: int
    height: int
    content_hash: str
    """Hex SHA-256 of ``data``."""

    @property
    def key(self) -> str:
        """Storage key derived from the content, e.g. ``ab/cd/abcd….webp``.

        Two uploads of the same picture give the same keys, and a key never
        changes meaning, so the files can be cached forever.
        """
        digest = self.content_hash
        return f"{digest[:2]}/{digest[2:4]}/{digest}.webp"

    @property
    def content_type(self) -> str:
        return "image/webp"


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    """The result of ``process``: everything the app keeps about a photo.

    ``width``/``height`` are those of the upright photo capped like the "large"
    variant (i.e. the large variant's size), which is the biggest image we serve.
    ``variants`` always holds every name of ``VARIANT_LONG_EDGES``; for small
    sources several names can share the very same variant (same bytes, same key).
    """

    width: int
    height: int
    placeholder_color: str
    """Average colour as ``#rrggbb``, for the gallery background while images load."""
    source_format: str
    """The Pillow format name the upload was decoded as (one of ``ACCEPTED_FORMATS``)."""
    variants: Mapping[str, PhotoVariant]


# --- Format sniffing ---------------------------------------------------------------


def sniff_format(head: bytes) -> str | None:
    """Recognise an accepted format from the first bytes of a file.

    Needs at most ``SNIFF_BYTES`` bytes (fewer may be enough). Returns one of
    ``ACCEPTED_FORMATS`` or None. Only magic numbers count: this is what lets the
    web layer refuse a wrong format before the whole upload has arrived.
    """
    if head.startswith(_JPEG_MAGIC):
        return JPEG
    if head.startswith(_PNG_MAGIC):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        return _sniff_iso_media_brand(head)
    return None


def _sniff_iso_media_brand(head: bytes) -> str | None:
    """HEIF and AVIF are ISO media files: the "ftyp" box lists brands saying what is inside."""
    major_brand = head[8:12]
    if major_brand in _AVIF_BRANDS:
        return AVIF
    if major_brand in _HEIC_BRANDS:
        return HEIF
    if major_brand not in _GENERIC_HEIF_BRANDS:
        return None  # MP4/QuickTime videos, camera raw files, JPEG XL...
    # Generic "image in a HEIF container": the compatible brands (after the 4-byte
    # minor version) say which codec. Only what we have of the box is looked at.
    (box_size,) = struct.unpack(">I", head[:4])
    compatible = head[16 : min(box_size, len(head))]
    brands = {compatible[i : i + 4] for i in range(0, len(compatible) - 3, 4)}
    if brands & _AVIF_BRANDS:
        return AVIF
    return HEIF


# --- The pipeline -----------------------------------------------------------------


def process(data: bytes) -> ProcessedPhoto:
    """Validate an upload and produce its WebP variants.

    Raises ``PhotoRejected`` (413 too big, 415 not an accepted format, 422 too
    many pixels or unreadable) and nothing else, whatever the bytes, except
    ``MemoryError`` which is left to the server to handle.
    """
    image_format = _check_size_and_format(data)
    try:
        return _decode_and_render(data, image_format)
    except PhotoRejected:
        raise
    except MemoryError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning only arrives here when warnings are turned into errors.
        raise PhotoRejected(422, _MSG_TOO_MANY_PIXELS) from exc
    except _DECODER_ERRORS as exc:
        raise PhotoRejected(422, _MSG_UNREADABLE) from exc
    except Exception as exc:
        logger.exception("Unexpected error while processing a %s photo", image_format)
        raise PhotoRejected(422, _MSG_UNREADABLE) from exc


def _check_size_and_format(data: bytes) -> str:
    """The checks that need no decoding: 413 too big, 415 not an accepted format."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRejected(413, _MSG_TOO_LARGE_FILE)
    image_format = sniff_format(data[:SNIFF_BYTES])
    if image_format is None:
        raise PhotoRejected(415, _MSG_FORMAT)
    return image_format


async def process_async(data: bytes) -> ProcessedPhoto:
    """``process`` in a worker process, off the event loop; same result, same refusals.

    At most ``MARKETPLACE_PHOTO_WORKERS`` photos (2 by default) are processed at
    once; the others wait their turn. Beyond what ``process`` refuses, a photo
    whose processing runs past the time limit or the memory limit of a worker,
    or kills it, is refused with a 422: its worker is replaced for the next one.
    """
    # What needs no decoding is refused here, without waiting behind other uploads.
    _check_size_and_format(data)
    try:
        return await _worker_pool().run(process, data)
    except (JobTimedOut, JobOutOfMemory) as exc:
        raise PhotoRejected(422, _MSG_TOO_HEAVY) from exc
    except WorkerDied as exc:
        raise PhotoRejected(422, _MSG_PROCESSING_FAILED) from exc


_pool: WorkerPool | None = None
_pool_lock: Final = threading.Lock()


def _worker_pool() -> WorkerPool:
    """The process-wide pool, made on first use: importing this module starts no process."""
    global _pool
    with _pool_lock:
        if _pool is None:
            # The workers import this module before their first job, so that its import is
            # not counted in the first photo's time limit.
            _pool = WorkerPool(WorkerLimits.from_environment(), preload=[__name__])
        return _pool


def shutdown_pool() -> None:
    """Stop the photo worker processes (the app's shutdown; also run at exit).

    The limits are read again from the environment when ``process_async`` next
    needs a pool.
    """
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown()


atexit.register(shutdown_pool)


def _decode_and_render(data: bytes, image_format: str) -> ProcessedPhoto:
    with _open_lazily(data, image_format) as source:
        _check_dimensions(source.size)  # from the header: nothing decoded yet
        # MPO (a JPEG with extra frames) is decoded by the JPEG plugin: report it as JPEG.
        decoded_format = source.format if source.format in ACCEPTED_FORMATS else image_format
        large_size = _fit_within(source.size, _VARIANT_SPECS[0].long_edge)
        if source.format in (JPEG, "MPO"):
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the requested size.
            source.draft("RGB", large_size)
        # Decode first, and only once: after a decoder error Pillow forgets its
        # tiles, so any later implicit load() (PNG's getexif() does one) would
        # silently return a half-black image instead of failing again.
        source.load()
        # Kept aside because the resize below does not carry them reliably.
        orientation = _read_orientation(source)
        icc_profile = source.info.get("icc_profile")
        resizable = _to_resizable_mode(source)
        large = _downscale(resizable, large_size)
        del resizable
    # From here on only the (at most 1920 px) large image is alive.
    large = _convert_to_srgb(large, icc_profile)
    large = _apply_orientation(large, orientation)
    large = _pixels_only(large)
    return _render_variants(large, decoded_format)


def _open_lazily(data: bytes, image_format: str) -> Image.Image:
    """Open without decoding pixels, trying only the plugins allowed for the sniffed format."""
    *first_choices, last_resort = _PILLOW_PLUGINS_FOR[image_format]
    for plugin in first_choices:
        try:
            return Image.open(io.BytesIO(data), formats=[plugin])
        except _DECODER_ERRORS:
            continue  # e.g. a HEVC picture whose brands say AVIF: let the HEIF plugin try
    return Image.open(io.BytesIO(data), formats=[last_resort])


def _check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise PhotoRejected(422, _MSG_UNREADABLE)
    if width * height > MAX_PIXELS:
        raise PhotoRejected(422, _MSG_TOO_MANY_PIXELS)


def _fit_within(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """Scale ``size`` so its longest edge is ``long_edge``; never scale up."""
    width, height = size
    if max(width, height) <= long_edge:
        return size
    if width >= height:
        return long_edge, max(1, round(height * long_edge / width))
    return max(1, round(width * long_edge / height)), long_edge


# --- Orientation -----------------------------------------------------------------

# Same table as ImageOps.exif_transpose. We apply it ourselves, after the
# downscale, because rotating 1920 px costs a fraction of rotating 12 MP (and
# exif_transpose works on the image it is given, metadata included).
_TRANSPOSE_FOR_ORIENTATION: Final[Mapping[int, Image.Transpose]] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG: Final = 0x0112


def _read_orientation(image: Image.Image) -> int:
    """EXIF orientation (1-8, 1 = as stored); Pillow also picks it up from XMP.

    Call after ``load()``. A damaged EXIF block must not cost the user their
    photo: the pixels are fine, so we fall back to "as stored".
    """
    try:
        orientation = image.getexif().get(_ORIENTATION_TAG, 1)
    except MemoryError:
        raise
    except Exception:
        logger.info("Unreadable EXIF block ignored", exc_info=True)
        return 1
    return orientation if orientation in _TRANSPOSE_FOR_ORIENTATION else 1


def _apply_orientation(image: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE_FOR_ORIENTATION.get(orientation)
    return image if method is None else image.transpose(method)


# --- Colour -------------------------------------------------------------------------

# Modes the resampler handles with full quality and that the sRGB step understands.
_RESIZABLE_MODES: Final = frozenset({"RGB", "RGBA", "L", "LA", "CMYK"})


def _to_resizable_mode(image: Image.Image) -> Image.Image:
    """Bring exotic modes to 8-bit L/LA/RGB/RGBA/CMYK without changing the look."""
    mode = image.mode
    if mode in ("L", "RGB") and "transparency" in image.info:
        return image.convert("RGBA")  # PNG tRNS colour key
    if mode in _RESIZABLE_MODES:
        return image
    if mode in ("P", "PA"):
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I"):
        # 16-bit samples (PNG): a plain convert("L") would clip them to white.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if mode == "La":
        return image.convert("LA")
    if "A" in image.getbands() or "a" in image.getbands():
        return image.convert("RGBA")
    return image.convert("RGB")


# Built once: a profile (unlike a transform) is read-only and safe to share between threads.
_SRGB_PROFILE: Final = ImageCms.createProfile("sRGB") if ImageCms is not None else None


def _convert_to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return an RGB or RGBA image in sRGB, the only colour space browsers assume.

    With an embedded ICC profile (Display P3 from phones, CMYK press profiles...)
    littlecms does the conversion; without one, or if the profile is unusable,
    Pillow's plain conversion is the best guess (it undoes Adobe's inverted CMYK).
    """
    target_mode = "RGBA" if image.mode in ("RGBA", "LA") else "RGB"
    if icc_profile and ImageCms is not None and image.mode != "LA":
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(
                image, source_profile, _SRGB_PROFILE, outputMode=target_mode
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            logger.info("Unusable ICC profile ignored", exc_info=True)
        else:
            if converted is not None:
                return converted
    return image if image.mode == target_mode else image.convert(target_mode)


# --- Variants -----------------------------------------------------------------------


def _downscale(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize to ``size`` (always returns a new image, even when nothing changes)."""
    if image.size == size:
        return image.copy()
    return image.resize(size, _RESAMPLING, reducing_gap=_REDUCING_GAP)


def _pixels_only(image: Image.Image) -> Image.Image:
    """A brand-new image holding only the pixels.

    Pillow copies ``info`` (EXIF, XMP, ICC, comments...) from image to image
    through resize and friends; starting afresh guarantees none of it can reach
    an encoder.
    """
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image)
    return fresh


def _render_variants(large: Image.Image, source_format: str) -> ProcessedPhoto:
    variants: dict[str, PhotoVariant] = {}
    current = large
    previous: PhotoVariant | None = None
    for spec in _VARIANT_SPECS:
        size = _fit_within(large.size, spec.long_edge)
        if previous is not None and (previous.width, previous.height) == size:
            variants[spec.name] = previous  # small source: same picture, encode once
            continue
        if current.size != size:
            current = current.resize(size, _RESAMPLING, reducing_gap=_REDUCING_GAP)
        previous = variants[spec.name] = _encode_variant(current, spec.webp_method)
    return ProcessedPhoto(
        width=large.width,
        height=large.height,
        placeholder_color=_average_color(current),
        source_format=source_format,
        variants=variants,
    )


def _encode_variant(image: Image.Image, webp_method: int) -> PhotoVariant:
    buffer = io.BytesIO()
    # No exif=, xmp= or icc_profile= on purpose: the variants carry pixels only.
    image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=webp_method)
    data = buffer.getvalue()
    return PhotoVariant(
        data=data,
        width=image.width,
        height=image.height,
        content_hash=hashlib.sha256(data).hexdigest(),
    )


def _average_color(image: Image.Image) -> str:
    # A box filter down to one pixel is the mean; for RGBA Pillow resizes with
    # premultiplied alpha, so fully transparent pixels do not drag it to black.
    pixel = image.convert("RGBA").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert isinstance(pixel, tuple)
    red, green, blue = (int(channel) for channel in pixel[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


__all__ = [
    "ACCEPTED_FORMATS",
    "AVIF",
    "HEIF",
    "JPEG",
    "MAX_PIXELS",
    "MAX_UPLOAD_BYTES",
    "PNG",
    "SNIFF_BYTES",
    "VARIANT_LONG_EDGES",
    "WEBP",
    "WEBP_QUALITY",
    "PhotoRejected",
    "PhotoVariant",
    "ProcessedPhoto",
    "process",
    "process_async",
    "shutdown_pool",
    "sniff_format",
]
