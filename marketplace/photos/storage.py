"""Where photo variants are kept, behind a tiny interface.

Keys are relative, slash-separated names such as ``ab/cd/abcd….webp`` (see
``PhotoVariant.key``). ``LocalDirectoryStorage`` maps them to files under a
root directory; an S3-compatible store can implement the same ``PhotoStorage``
protocol without the pipeline or its callers changing.

All methods are synchronous and do blocking I/O: call them from a worker
thread (``anyio.to_thread.run_sync``), never directly on the event loop.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

# One path segment: starts with a letter or digit (so never "." or "..", nor a
# hidden name like our ".tmp-" files), then letters, digits, ".", "_" or "-".
_SEGMENT: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MAX_KEY_LENGTH: Final = 512
_TEMP_PREFIX: Final = ".tmp-"
_FILE_MODE: Final = 0o644  # readable by a front web server serving the directory


class PhotoNotFound(KeyError):
    """No object is stored under this key."""


@runtime_checkable
class PhotoStorage(Protocol):
    """Blob store for photo variants. Implementations must be thread-safe."""

    def save(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically: readers see the old or the new bytes, never a part."""
        ...

    def open(self, key: str) -> bytes:
        """Return the bytes stored under ``key``; raise ``PhotoNotFound`` if there are none."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove ``key``. Deleting a missing key is not an error (a collector may race an uploader)."""
        ...

    def keys(self) -> Iterator[str]:
        """Every stored key, in no particular order (for the orphan collector)."""
        ...


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative key, else raise ValueError.

    Refuses absolute paths, ``..`` and ``.`` segments, empty segments,
    backslashes, hidden names and anything outside a conservative alphabet, so a
    key can never name a file outside the store.
    """
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY_LENGTH:
        raise ValueError(f"Invalid storage key: {key!r}")
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise ValueError(f"Invalid storage key: {key!r}")
    return key


class LocalDirectoryStorage:
    """``PhotoStorage`` on a local directory (created if missing)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The file behind ``key``, e.g. to serve it with sendfile. It may not exist."""
        return self.root.joinpath(*validate_key(key).split("/"))

    def save(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Temp file in the same directory so os.replace is a same-filesystem,
        # atomic rename; fsync first so a crash cannot leave a renamed but empty file.
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as temp_file:
                temp_file.write(data)
                temp_file.flush()
                os.fchmod(temp_file.fileno(), _FILE_MODE)
                os.fsync(temp_file.fileno())
            os.replace(temp_name, target)
        except BaseException:
            _remove_if_present(Path(temp_name))
            raise
        _fsync_directory(target.parent)

    def open(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise PhotoNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        _remove_if_present(self.path(key))

    def keys(self) -> Iterator[str]:
        for directory, subdirectories, filenames in os.walk(self.root):
            # Hidden directories cannot hold valid keys: do not descend.
            subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
            relative = Path(directory).relative_to(self.root).parts
            for filename in filenames:
                key = "/".join((*relative, filename))
                if _is_valid_key(key):  # skips ".tmp-" files of saves in progress
                    yield key


def _is_valid_key(key: str) -> bool:
    try:
        validate_key(key)
    except ValueError:
        return False
    return True


def _remove_if_present(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless to skip where unsupported."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
