"""Uploading photos through the API: each accepted format, clean variants, every refusal."""

from __future__ import annotations

import io
import struct
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from PIL import ExifTags, Image

from marketplace.photos.pipeline import MAX_UPLOAD_BYTES
from tests.integration.photos.conftest import make_image, photo_bytes, raw_png, stored_files
from tests.stories import add_photo, upload

pytestmark = pytest.mark.anyio

ACCEPTED = ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"]


@pytest.fixture
async def alice_listing(board: Any) -> tuple[Any, dict[str, Any]]:
    await board.community()
    alice = await board.member("alice")
    return alice, await board.listing(alice, title="Poussette canne Yoyo")


@pytest.mark.parametrize("fmt", ACCEPTED)
async def test_each_accepted_format_becomes_a_photo_with_three_variants(fmt, alice_listing, client):
    alice, listing = alice_listing

    response = await upload(alice, listing["id"], photo_bytes(fmt, size=(1200, 900)), fmt)

    assert response.status_code == 201, response.text
    photo = response.json()
    assert photo["position"] == 0
    assert (photo["width"], photo["height"]) == (1200, 900)
    assert set(photo["urls"]) == {"thumb", "medium", "large"}
    assert photo["placeholder_color"].startswith("#")
    sizes = {}
    for variant, url in photo["urls"].items():
        served = await client.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        sizes[variant] = Image.open(io.BytesIO(served.content)).size
    assert sizes == {"thumb": (320, 240), "medium": (960, 720), "large": (1200, 900)}


async def test_served_variants_are_webp_without_exif_or_gps(alice_listing, client):
    alice, listing = alice_listing
    original = photo_bytes("JPEG", size=(2400, 1800), exif_orientation=6, gps=True)
    gps = Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitude] == (48.0, 51.0, 24.0)  # the upload gives the place away

    photo = await add_photo(alice, listing["id"], original)

    # Orientation 6 (camera turned): the photo is stored upright, portrait.
    assert (photo["width"], photo["height"]) == (1440, 1920)
    for url in photo["urls"].values():
        data = (await client.get(url)).content
        assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        image = Image.open(io.BytesIO(data))
        assert image.format == "WEBP"
        assert len(image.getexif()) == 0
        assert not set(image.info) & {"exif", "xmp", "icc_profile"}
        for marker in (b"EXIF", b"Exif", b"XMP ", b"GPS", b"TestCam"):
            assert marker not in data


async def test_a_photo_is_judged_by_its_bytes_not_by_its_name_or_type(alice_listing, client):
    alice, listing = alice_listing
    transparent = photo_bytes("PNG", image=make_image((64, 48), mode="RGBA", color=(200, 30, 40, 128)))

    response = await alice.post(
        f"/api/v1/listings/{listing['id']}/photos", files={"file": ("vélo.jpg", transparent, "image/jpeg")}
    )

    assert response.status_code == 201, response.text
    large = Image.open(io.BytesIO((await client.get(response.json()["urls"]["large"])).content))
    assert large.mode == "RGBA"  # read as the PNG it is: a JPEG has no transparency


async def test_alt_text_is_the_title_unless_the_author_writes_one(alice_listing):
    alice, listing = alice_listing

    default = await add_photo(alice, listing["id"])
    described = await add_photo(alice, listing["id"], alt_text="La poussette pliée, vue de côté")

    assert default["alt_text"] == "Poussette canne Yoyo"
    assert described["alt_text"] == "La poussette pliée, vue de côté"
    assert described["position"] == 1


async def test_listing_read_lists_its_photos_in_order(alice_listing):
    alice, listing = alice_listing
    first = await add_photo(alice, listing["id"])
    second = await add_photo(alice, listing["id"], photo_bytes("PNG"))

    response = await alice.get(f"/api/v1/listings/{listing['id']}/photos")

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [first["id"], second["id"]]
    assert body["total"] == 2


# --- refusals -------------------------------------------------------------------------------

FORMAT_MESSAGE_NAMES = ("JPEG", "PNG", "WebP", "HEIC", "AVIF")


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("animation.gif", photo_bytes("GIF", size=(40, 30)), "image/gif"),
        ("vide.jpg", b"", "image/jpeg"),
        ("photo.jpg", "Bonjour, je vends un vélo.\n".encode(), "image/jpeg"),
        (
            "dessin.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
    ],
    ids=["gif", "zero-bytes", "renamed-text", "svg"],
)
async def test_unaccepted_formats_get_415_naming_the_accepted_ones(
    name, data, content_type, alice_listing, media_root
):
    alice, listing = alice_listing

    response = await alice.post(
        f"/api/v1/listings/{listing['id']}/photos", files={"file": (name, data, content_type)}
    )

    assert response.status_code == 415, response.text
    for accepted in FORMAT_MESSAGE_NAMES:
        assert accepted in response.json()["detail"]
    assert stored_files(media_root) == set()


async def test_image_claiming_too_many_pixels_gets_422(alice_listing):
    alice, listing = alice_listing
    huge = raw_png(10_000, 6_000, 2, 8, b"\x00" * 64)  # 60 megapixels announced in 100 bytes

    response = await upload(alice, listing["id"], huge, "PNG")

    assert response.status_code == 422
    assert "50 mégapixels" in response.json()["detail"]


async def test_jpeg_header_claiming_huge_dimensions_gets_422(alice_listing):
    alice, listing = alice_listing
    data = bytearray(photo_bytes("JPEG", size=(64, 48)))
    start_of_frame = data.index(b"\xff\xc0")
    data[start_of_frame + 5 : start_of_frame + 9] = struct.pack(">HH", 60_000, 60_000)

    response = await upload(alice, listing["id"], bytes(data))

    assert response.status_code == 422


async def test_truncated_image_gets_422(alice_listing, media_root):
    alice, listing = alice_listing
    data = photo_bytes("JPEG", image=Image.effect_noise((400, 300), 50).convert("RGB"))

    response = await upload(alice, listing["id"], data[: len(data) // 2])

    assert response.status_code == 422
    assert "illisible" in response.json()["detail"]
    assert stored_files(media_root) == set()


async def test_eleventh_photo_gets_409(alice_listing):
    alice, listing = alice_listing
    small = photo_bytes("JPEG", size=(32, 24))
    for _ in range(10):
        await add_photo(alice, listing["id"], small)

    response = await upload(alice, listing["id"], photo_bytes("PNG", size=(32, 24)), "PNG")

    assert response.status_code == 409
    assert "10" in response.json()["detail"]
    assert (await alice.get(f"/api/v1/listings/{listing['id']}/photos")).json()["total"] == 10


async def test_upload_without_a_file_field_is_a_400_naming_it(alice_listing):
    alice, listing = alice_listing

    response = await alice.post(f"/api/v1/listings/{listing['id']}/photos", files={"image": ("a.jpg", b"x")})

    assert response.status_code == 400
    assert any(item["key"] == "file" for item in response.json().get("extra", []))


# --- 20 MB: refused while the body streams in ----------------------------------------------

OVER_LIMIT = 21 * 1024 * 1024
BOUNDARY = "photo-boundary-7d1c"


def multipart_head(filename: str = "enorme.jpg") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + b"\xff\xd8\xff\xe0"


def multipart_tail() -> bytes:
    return f"\r\n--{BOUNDARY}--\r\n".encode()


async def test_21_mb_upload_gets_413(alice_listing, media_root):
    alice, listing = alice_listing
    big = photo_bytes("JPEG", size=(64, 48)) + b"\x00" * OVER_LIMIT

    response = await upload(alice, listing["id"], big)

    assert response.status_code == 413
    assert stored_files(media_root) == set()


async def test_file_just_over_20_mb_inside_the_body_allowance_still_gets_413(alice_listing):
    # The body limit leaves room for the multipart envelope; the file itself is held to 20 MB.
    alice, listing = alice_listing
    data = photo_bytes("JPEG", size=(64, 48))
    data += b"\x00" * (MAX_UPLOAD_BYTES + 1 - len(data))

    response = await upload(alice, listing["id"], data)

    assert response.status_code == 413


class ChunkedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body of unknown length, sent in chunks (readable both ways: the test transport reads it
    synchronously, the async client insists on an async stream)."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


async def test_chunked_upload_without_content_length_gets_413(alice_listing):
    alice, listing = alice_listing
    chunk = b"\x00" * (1024 * 1024)
    request = httpx.Request(
        "POST",
        f"http://testserver.local/api/v1/listings/{listing['id']}/photos",
        headers={
            **alice.headers,
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Transfer-Encoding": "chunked",
        },
        stream=ChunkedBody([multipart_head(), *([chunk] * 22), multipart_tail()]),
    )
    assert "content-length" not in request.headers

    response = await alice.client.send(request)

    assert response.status_code == 413


async def test_oversized_upload_is_refused_before_the_body_is_all_read(alice_listing, app):
    """Driven at the ASGI level: count how much of a 40 MB chunked body the app pulls in."""
    alice, listing = alice_listing
    chunk = b"\x00" * (1024 * 1024)
    pieces = [multipart_head(), *([chunk] * 40), multipart_tail()]
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if not pieces:
            return {"type": "http.disconnect"}
        piece = pieces.pop(0)
        pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": bool(pieces)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    path = f"/api/v1/listings/{listing['id']}/photos"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver.local"),
            (b"authorization", f"Bearer {alice.token}".encode()),
            (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
        "state": {},
    }

    await app(scope, receive, send)

    start = next(message for message in sent if message["type"] == "http.response.start")
    assert start["status"] == 413
    assert pulled < 22 * 1024 * 1024  # stopped near 20 MB, not at 40


async def test_announced_content_length_over_the_limit_is_refused_without_reading(alice_listing, app):
    alice, listing = alice_listing
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"\x00" * 1024, "more_body": True}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    path = f"/api/v1/listings/{listing['id']}/photos"
    await app(
        {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"testserver.local"),
                (b"authorization", f"Bearer {alice.token}".encode()),
                (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
                (b"content-length", str(OVER_LIMIT).encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver.local", 80),
            "state": {},
        },
        receive,
        send,
    )

    start = next(message for message in sent if message["type"] == "http.response.start")
    assert start["status"] == 413
    assert pulled == 0
