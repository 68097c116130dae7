"""Whatever the bytes, ``process`` answers with a photo or a PhotoRejected: never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.photos.pipeline import PhotoRejected, ProcessedPhoto, process

ALLOWED_STATUSES = {413, 415, 422}

FUZZ_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,  # keep the work tree clean of a .hypothesis directory
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MAGIC_PREFIXES = [
    b"",
    b"\xff\xd8\xff",
    b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00",
    b"\x89PNG\r\n\x1a\n",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"RIFF\x00\x10\x00\x00WEBPVP8 ",
    b"RIFF\x00\x10\x00\x00WEBPVP8X",
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
]


def assert_photo_or_rejection(data: bytes) -> None:
    try:
        result = process(data)
    except PhotoRejected as refused:
        assert refused.status in ALLOWED_STATUSES
        assert refused.message
    else:
        assert isinstance(result, ProcessedPhoto)
        assert set(result.variants) == {"thumb", "medium", "large"}


@FUZZ_SETTINGS
@given(prefix=st.sampled_from(MAGIC_PREFIXES), tail=st.binary(max_size=2048))
def test_arbitrary_bytes_never_crash(prefix, tail):
    # A magic prefix gets random bytes past the sniffer and into the decoders.
    assert_photo_or_rejection(prefix + tail)


@st.composite
def mutated(draw, seeds: dict[str, bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(sorted(seeds.items())))[1])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not data:
            break
        # Headers are where parsers make decisions: aim there half of the time,
        # past the magic number (changing it only tests the sniffer, covered elsewhere).
        first, last = draw(st.sampled_from([(12, 256), (0, len(data))]))
        last = min(last, len(data)) - 1
        position = draw(st.integers(min_value=min(first, last), max_value=last))
        action = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        if action == "flip":
            data[position] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif action == "set":
            data[position] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0x01]))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[position : position + draw(st.integers(min_value=1, max_value=16))]
        else:
            del data[position:]
    return bytes(data)


@FUZZ_SETTINGS
@given(data=st.data())
def test_mutated_valid_images_never_crash(data, seed_photos):
    assert_photo_or_rejection(data.draw(mutated(seed_photos)))


def test_seed_photos_are_valid(seed_photos):
    # Otherwise the mutation test above would only ever exercise rejections.
    for data in seed_photos.values():
        assert isinstance(process(data), ProcessedPhoto)
