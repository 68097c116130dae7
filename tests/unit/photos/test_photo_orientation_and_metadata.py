"""Photos come out upright, and nothing but pixels comes out."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import ExifTags, Image, ImageCms, ImageOps
from PIL.PngImagePlugin import PngInfo

from marketplace.photos.pipeline import PhotoVariant, process

UPRIGHT_SIZE = (120, 80)

# How the camera stored the picture for each EXIF orientation: the inverse of the
# transform a viewer applies to show it upright (EXIF 2.3, tag 0x0112).
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # viewer turns it 90° clockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,  # viewer turns it 90° counter-clockwise
}


def open_variant(variant: PhotoVariant) -> Image.Image:
    image = Image.open(io.BytesIO(variant.data))
    image.load()
    return image


def is_red(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    red, green, blue = pixel[:3]
    return red > 180 and green < 90 and blue < 90


def corners(image: Image.Image) -> dict[str, object]:
    w, h = image.size
    return {
        "top-left": image.getpixel((3, 3)),
        "top-right": image.getpixel((w - 4, 3)),
        "bottom-left": image.getpixel((3, h - 4)),
        "bottom-right": image.getpixel((w - 4, h - 4)),
    }


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_exif_orientation_gives_an_upright_photo(fmt, orientation, make_image, photo_bytes):
    upright = make_image(UPRIGHT_SIZE, corner=True)
    transpose = STORED_AS[orientation]
    stored = upright if transpose is None else upright.transpose(transpose)
    data = photo_bytes(fmt, image=stored, exif_orientation=orientation)
    # The test's own premise, checked against Pillow's reference implementation.
    oracle = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    assert oracle.size == UPRIGHT_SIZE and is_red(oracle.getpixel((3, 3)))

    photo = process(data)

    assert (photo.width, photo.height) == UPRIGHT_SIZE
    for variant in photo.variants.values():
        image = open_variant(variant)
        assert image.width > image.height
        found = {name for name, pixel in corners(image).items() if is_red(pixel)}
        assert found == {"top-left"}, (orientation, variant.width)


def test_orientation_is_applied_when_libjpeg_decodes_at_reduced_scale(make_image, photo_bytes):
    # 4000x2000 stored sideways: draft() decodes at 1/2 scale before the rotation.
    upright = make_image((2000, 4000), corner=True)
    data = photo_bytes("JPEG", image=upright.transpose(Image.Transpose.ROTATE_90), exif_orientation=6)

    photo = process(data)

    large = open_variant(photo.variants["large"])
    assert large.size == (960, 1920) == (photo.width, photo.height)
    assert is_red(large.getpixel((10, 10)))
    assert not is_red(large.getpixel((large.width - 10, 10)))


@pytest.mark.parametrize("orientation", [0, 9, 65535])
def test_nonsense_orientation_is_ignored(orientation, make_image, photo_bytes):
    data = photo_bytes("JPEG", image=make_image(UPRIGHT_SIZE, corner=True), exif_orientation=orientation)

    large = open_variant(process(data).variants["large"])

    assert large.size == UPRIGHT_SIZE and is_red(large.getpixel((3, 3)))


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_damaged_exif_block_does_not_cost_the_photo(make_image, encode):
    data = encode(make_image(UPRIGHT_SIZE), "JPEG", exif=b"Exif\x00\x00MM\x00*\xff\xff\xff\xff garbage")

    photo = process(data)

    assert (photo.width, photo.height) == UPRIGHT_SIZE


# --- Metadata -------------------------------------------------------------------------

SECRET_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="SECRET-XMP-AUTHOR"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
SECRET_COMMENT = b"SECRET-COMMENT-42 rue des Lilas"
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def webp_chunk_ids(data: bytes) -> list[bytes]:
    """The chunk FourCCs of a RIFF/WebP file, in order."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ids, offset = [], 12
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (length,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        ids.append(chunk_id)
        offset += 8 + length + (length & 1)
    return ids


def assert_pixels_only(variant: PhotoVariant) -> None:
    chunks = webp_chunk_ids(variant.data)
    assert set(chunks) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}, chunks
    if b"VP8X" in chunks:
        flags = variant.data[20]
        assert flags & 0b0010_1100 == 0, "VP8X announces ICC, EXIF or XMP"
    image = Image.open(io.BytesIO(variant.data))
    assert not set(image.info) & {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp", "comment"}
    assert len(image.getexif()) == 0
    for secret in (b"SECRET", b"TestCam", b"GPS", b"Exif", b"acsp"):
        assert secret not in variant.data


def gps_of(data: bytes) -> dict[int, object]:
    return dict(Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"])
def test_gps_in_the_upload_is_absent_from_every_variant(fmt, photo_bytes):
    data = photo_bytes(fmt, size=(400, 300), exif_orientation=1, gps=True)
    assert gps_of(data)[ExifTags.GPS.GPSLatitude] == (48.0, 51.0, 24.0)

    photo = process(data)

    for variant in photo.variants.values():
        assert gps_of(variant.data) == {}
        assert_pixels_only(variant)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_xmp_icc_and_exif_are_all_dropped(fmt, photo_bytes):
    if fmt == "PNG":  # Pillow writes PNG XMP as an iTXt chunk, not through xmp=
        xmp_text = PngInfo()
        xmp_text.add_itxt("XML:com.adobe.xmp", SECRET_XMP.decode())
        xmp_option: dict[str, object] = {"pnginfo": xmp_text}
    else:
        xmp_option = {"xmp": SECRET_XMP}
    data = photo_bytes(fmt, size=(400, 300), gps=True, icc_profile=SRGB_ICC, **xmp_option)
    source = Image.open(io.BytesIO(data))
    assert "icc_profile" in source.info and b"SECRET-XMP-AUTHOR" in data

    for variant in process(data).variants.values():
        assert_pixels_only(variant)


def test_jpeg_comment_is_dropped(photo_bytes):
    data = photo_bytes("JPEG", size=(400, 300), comment=SECRET_COMMENT)
    assert SECRET_COMMENT in data

    for variant in process(data).variants.values():
        assert_pixels_only(variant)


def test_png_text_chunks_are_dropped(make_image, encode):
    text = PngInfo()
    text.add_text("Comment", "SECRET-PNG-TEXT")
    text.add_text("Author", "SECRET-PNG-AUTHOR", zip=True)
    data = encode(make_image((400, 300)), "PNG", pnginfo=text)

    for variant in process(data).variants.values():
        assert_pixels_only(variant)


def test_transparent_variant_has_no_metadata_either(photo_bytes, make_image):
    image = make_image((400, 300), mode="RGBA", color=(10, 200, 10, 100))
    data = photo_bytes("PNG", image=image, gps=True, icc_profile=SRGB_ICC)

    for variant in process(data).variants.values():
        assert_pixels_only(variant)
        assert b"ALPH" in webp_chunk_ids(variant.data)


def test_srgb_icc_profile_keeps_the_colour(photo_bytes, make_image):
    image = make_image((64, 48), color=(200, 30, 40))

    large = open_variant(process(photo_bytes("PNG", image=image, icc_profile=SRGB_ICC)).variants["large"])

    pixel = large.getpixel((32, 24))
    assert isinstance(pixel, tuple)
    assert all(abs(a - e) <= 6 for a, e in zip(pixel[:3], (200, 30, 40), strict=True))


def test_unusable_icc_profile_is_ignored(photo_bytes):
    data = photo_bytes("JPEG", size=(64, 48), icc_profile=b"not a real ICC profile at all")
    assert Image.open(io.BytesIO(data)).info.get("icc_profile")

    photo = process(data)

    for variant in photo.variants.values():
        assert_pixels_only(variant)
