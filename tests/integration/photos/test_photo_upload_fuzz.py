"""Whatever bytes are posted to the upload endpoint, the answer is never a 5xx.

The pipeline's own fuzz tests (tests/unit/photos) feed it directly; this one goes through the
whole stack: multipart parsing, the service, the storage, the database. It runs on SQLite only
(the code under test does not depend on the backend, and each example is an HTTP round trip).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.integration.photos.conftest import photo_bytes
from tests.unit.photos.test_photo_fuzz import MAGIC_PREFIXES, mutated

pytestmark = pytest.mark.anyio

ANSWERS = {201, 413, 415, 422}

SEEDS = {
    fmt: photo_bytes(fmt, image=Image.effect_noise((48, 32), 60).convert("RGB"), exif_orientation=6, gps=True)
    for fmt in ("JPEG", "PNG", "WEBP", "HEIF", "AVIF")
}

uploads = st.one_of(
    st.builds(lambda prefix, tail: prefix + tail, st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=2048)),
    mutated(SEEDS),
)


@pytest.fixture
async def fuzz_target(board: Any) -> tuple[Any, str]:
    await board.community()
    alice = await board.member("alice")
    return alice, (await board.listing(alice))["id"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=150,
    deadline=None,
    database=None,
    # The listing is made once and shared by the examples, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=uploads, filename=st.sampled_from(["photo.jpg", "IMG_0001.HEIC", "x", "é.png"]))
async def test_arbitrary_and_mutated_bytes_never_get_a_5xx(fuzz_target, data, filename):
    alice, listing_id = fuzz_target

    response = await alice.post(
        f"/api/v1/listings/{listing_id}/photos", files={"file": (filename, data, "application/octet-stream")}
    )

    assert response.status_code in ANSWERS, (response.status_code, response.text)
    if response.status_code == 201:  # keep room for the next examples (10 photos at most)
        deleted = await alice.delete(f"/api/v1/photos/{response.json()['id']}")
        assert deleted.status_code == 204
