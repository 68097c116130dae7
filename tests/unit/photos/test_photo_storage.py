"""LocalDirectoryStorage: atomic saves, listing, deletion, and no way out of its root."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from marketplace.photos import storage as storage_module
from marketplace.photos.storage import (
    LocalDirectoryStorage,
    PhotoNotFound,
    PhotoStorage,
    validate_key,
)

KEY = "ab/cd/abcdef0123456789.webp"


@pytest.fixture
def store(tmp_path: Path) -> LocalDirectoryStorage:
    return LocalDirectoryStorage(tmp_path / "media")


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_implements_the_protocol(store):
    assert isinstance(store, PhotoStorage)


def test_root_is_created(tmp_path):
    LocalDirectoryStorage(tmp_path / "a" / "b")

    assert (tmp_path / "a" / "b").is_dir()


def test_save_then_open_round_trips(store):
    store.save(KEY, b"webp bytes")

    assert store.open(KEY) == b"webp bytes"
    assert store.exists(KEY)
    assert store.path(KEY) == store.root / "ab" / "cd" / "abcdef0123456789.webp"


def test_save_leaves_no_temporary_file(store):
    store.save(KEY, b"x" * 100_000)

    assert files_under(store.root) == ["ab/cd/abcdef0123456789.webp"]


def test_saved_file_is_readable_by_a_front_server(store):
    store.save(KEY, b"x")

    assert stat.S_IMODE(store.path(KEY).stat().st_mode) == 0o644


def test_save_replaces_existing_content(store):
    store.save(KEY, b"old")
    store.save(KEY, b"new")

    assert store.open(KEY) == b"new"


def test_save_is_fsynced_before_the_rename(store, monkeypatch):
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def recording_fsync(fd: int) -> None:
        calls.append("fsync")
        real_fsync(fd)

    def recording_replace(source: str, target: object) -> None:
        calls.append("replace")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(storage_module.os, "fsync", recording_fsync)
    monkeypatch.setattr(storage_module.os, "replace", recording_replace)

    store.save(KEY, b"data")

    # File data first, then the rename, then the directory entry.
    assert calls == ["fsync", "replace", "fsync"]


def test_failed_save_keeps_the_old_content_and_cleans_up(store, monkeypatch):
    store.save(KEY, b"old")

    def crash(source: str, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "replace", crash)

    with pytest.raises(OSError, match="disk full"):
        store.save(KEY, b"new")

    assert store.open(KEY) == b"old"
    assert files_under(store.root) == ["ab/cd/abcdef0123456789.webp"]


def test_open_missing_key_raises_photo_not_found(store):
    with pytest.raises(PhotoNotFound):
        store.open(KEY)
    with pytest.raises(KeyError):  # PhotoNotFound is a KeyError for generic callers
        store.open(KEY)


def test_exists_is_false_for_missing_keys_and_directories(store):
    store.save(KEY, b"x")

    assert not store.exists("ab/cd/other.webp")
    assert not store.exists("ab/cd")


def test_delete_removes_and_is_idempotent(store):
    store.save(KEY, b"x")

    store.delete(KEY)
    store.delete(KEY)

    assert not store.exists(KEY)
    assert list(store.keys()) == []


def test_keys_lists_every_saved_key(store):
    saved = {KEY, "ab/ce/other.webp", "00/11/third.webp", "top-level.webp"}
    for key in saved:
        store.save(key, b"x")

    assert set(store.keys()) == saved


def test_keys_skip_saves_in_progress_and_stray_names(store):
    store.save(KEY, b"x")
    (store.root / "ab" / "cd" / ".tmp-abc123").write_bytes(b"partial")
    (store.root / ".hidden").mkdir()
    (store.root / ".hidden" / "x.webp").write_bytes(b"x")
    (store.root / "ab" / "with space.webp").write_bytes(b"x")

    assert list(store.keys()) == [KEY]


BAD_KEYS = [
    "",
    ".",
    "..",
    "../outside.webp",
    "ab/../../outside.webp",
    "ab/./cd.webp",
    "/etc/passwd",
    "ab//cd.webp",
    "ab/cd/",
    "ab\\cd.webp",
    "C:/windows.webp",
    ".tmp-abc",
    "ab/.hidden",
    "ab/cd\x00.webp",
    "é/x.webp",
    "a" * 600,
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_unsafe_keys_are_refused(store, key):
    with pytest.raises(ValueError):
        validate_key(key)
    for operation in (store.open, store.exists, store.delete, store.path):
        with pytest.raises(ValueError):
            operation(key)
    with pytest.raises(ValueError):
        store.save(key, b"x")


def test_refused_save_writes_nothing_outside_the_root(store, tmp_path):
    with pytest.raises(ValueError):
        store.save("../escaped.webp", b"x")

    assert not (tmp_path / "escaped.webp").exists()


def test_pipeline_keys_are_valid_storage_keys(store, photo_bytes):
    from marketplace.photos.pipeline import process

    photo = process(photo_bytes("JPEG", size=(400, 300)))
    for variant in photo.variants.values():
        store.save(variant.key, variant.data)

    assert set(store.keys()) == {v.key for v in photo.variants.values()}
