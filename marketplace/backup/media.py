"""Copying the media root into a backup, and back, checking every byte on the way.

Photo files are content-addressed and written atomically (a ``.tmp-`` file, then a rename), so
a file is either whole or absent: the ``.tmp-`` files of saves in progress are the only ones
skipped. Every copy here is atomic too, and preserves the file's mode and time (the orphan
collector judges a file's age by it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from marketplace.backup.manifest import BackupError, FileEntry, copy_hashing, hash_file
from marketplace.photos.gc import TEMP_PREFIX


def list_media(root: Path) -> dict[str, Path]:
    """Every file under ``root`` by its slash-separated relative path, but saves in progress."""
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    for directory, subdirectories, filenames in os.walk(root):
        subdirectories.sort()
        relative = Path(directory).relative_to(root).parts
        for filename in sorted(filenames):
            if not filename.startswith(TEMP_PREFIX):
                found["/".join((*relative, filename))] = Path(directory, filename)
    return found


def copy_file(source: Path, target: Path, *, expected: FileEntry | None = None) -> tuple[int, str]:
    """Copy ``source`` to ``target`` atomically; its size and SHA-256.

    With ``expected``, bytes that differ from it never reach ``target`` (the backup changed
    since it was verified): BackupError, and ``target`` is as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    try:
        with source.open("rb") as reader, os.fdopen(fd, "wb") as writer:
            size, sha256 = copy_hashing(reader, writer)
            writer.flush()
            os.fsync(writer.fileno())
        if expected is not None and (size, sha256) != (expected.size, expected.sha256):
            raise BackupError(f"Sauvegarde modifiée pendant la restauration : {expected.path}.")
        shutil.copystat(source, temp_name)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    return size, sha256


@dataclass
class MediaMerge:
    """What restoring the media files did to the media root."""

    copied: int = 0
    copied_bytes: int = 0
    unchanged: int = 0
    """Already there with the same bytes."""
    differing: list[str] = field(default_factory=list)
    """There with other bytes: replaced with ``force``, else left as they are."""
    extra: list[str] = field(default_factory=list)
    """In the media root, not in the backup (newer files): removed with ``force``, else kept."""
    replaced: int = 0
    removed: int = 0


def merge_into(backup_dir: Path, entries: list[FileEntry], root: Path, *, force: bool) -> MediaMerge:
    """Add the backup's media files to ``root``; replace differing files only with ``force``.

    Additive unless ``force``: until the database is swapped, the files it names still exist.
    """
    merge = MediaMerge()
    present = list_media(root)
    for entry in entries:
        key = entry.media_key
        assert key is not None
        source = backup_dir.joinpath(*entry.path.split("/"))
        target = root.joinpath(*key.split("/"))
        if key in present:
            if hash_file(target) == (entry.size, entry.sha256):
                merge.unchanged += 1
                continue
            merge.differing.append(key)
            if not force:
                continue
            merge.replaced += 1
        copy_file(source, target, expected=entry)
        merge.copied += 1
        merge.copied_bytes += entry.size
    wanted = {entry.media_key for entry in entries}
    merge.extra = sorted(key for key in present if key not in wanted)
    return merge


def remove_extra(root: Path, merge: MediaMerge) -> None:
    """With ``force``, after the database swap: the media root becomes the backup's."""
    for key in merge.extra:
        with contextlib.suppress(FileNotFoundError):
            root.joinpath(*key.split("/")).unlink()
            merge.removed += 1
