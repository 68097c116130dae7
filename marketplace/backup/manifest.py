"""What a backup directory holds, and the check that refuses a damaged one.

A backup directory::

    manifest.json       format version, created_at, database kind and revision, every file
    SHA256SUMS          the same checksums for ``sha256sum -c`` (and the manifest's own)
    database.sqlite3    or database.pgdump (pg_dump's custom format)
    media/…             every file of the media root, as it was

The manifest is written last, so a backup interrupted half-way has none and is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Final

FORMAT_VERSION: Final = 1
MANIFEST_NAME: Final = "manifest.json"
CHECKSUMS_NAME: Final = "SHA256SUMS"
MEDIA_DIR: Final = "media"
DATABASE_FILES: Final = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_CHUNK: Final = 1024 * 1024
_PROBLEMS_SHOWN: Final = 5


class BackupError(Exception):
    """A backup that cannot be made, or refused at restore; the message is for the operator."""


@dataclass(frozen=True)
class FileEntry:
    path: str
    """Relative to the backup directory, slash-separated: ``database.sqlite3``, ``media/ab/…``."""
    size: int
    sha256: str

    @property
    def media_key(self) -> str | None:
        """The path under the media root, for a media file."""
        prefix = MEDIA_DIR + "/"
        return self.path[len(prefix) :] if self.path.startswith(prefix) else None


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database_kind: str
    alembic_revision: str | None
    files: tuple[FileEntry, ...]
    missing_media: tuple[str, ...] = field(default=())
    """Files the snapshot names that were deleted before they could be copied (a photo deleted
    during the backup): the restored rows point to nothing there."""

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.database_kind]

    @property
    def database(self) -> FileEntry:
        return next(entry for entry in self.files if entry.path == self.database_file)

    @property
    def media(self) -> list[FileEntry]:
        return [entry for entry in self.files if entry.media_key is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "database": {
                "kind": self.database_kind,
                "file": self.database_file,
                "alembic_revision": self.alembic_revision,
            },
            "files": [{"path": e.path, "size": e.size, "sha256": e.sha256} for e in self.files],
            "missing_media": list(self.missing_media),
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """The manifest in ``data``, or BackupError for an unknown version or a broken shape."""
        if not isinstance(data, dict):
            raise BackupError("Sauvegarde refusée : manifeste illisible.")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise BackupError(
                f"Sauvegarde refusée : format de sauvegarde inconnu (version {version!r}, "
                f"cette version de l'application lit la version {FORMAT_VERSION})."
            )
        try:
            database = data["database"]
            kind = str(database["kind"])
            revision = database["alembic_revision"]
            files = tuple(
                FileEntry(
                    path=_safe_path(str(item["path"])), size=int(item["size"]), sha256=str(item["sha256"])
                )
                for item in data["files"]
            )
            manifest = cls(
                created_at=str(data["created_at"]),
                database_kind=kind,
                alembic_revision=None if revision is None else str(revision),
                files=files,
                missing_media=tuple(str(key) for key in data.get("missing_media", [])),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BackupError(f"Sauvegarde refusée : manifeste incomplet ou mal formé ({error}).") from None
        if kind not in DATABASE_FILES:
            raise BackupError(f"Sauvegarde refusée : type de base inconnu ({kind!r}).")
        if not any(entry.path == manifest.database_file for entry in files):
            raise BackupError("Sauvegarde refusée : le manifeste ne nomme pas la copie de la base.")
        return manifest


def _safe_path(path: str) -> str:
    """Refuse a path that could name a file outside the backup (or the media root) at restore."""
    parts = PurePosixPath(path).parts
    if (
        not parts
        or "\\" in path
        or path.startswith("/")
        or any(part in {"", ".", ".."} for part in parts)
        or (len(parts) == 1 and parts[0] not in DATABASE_FILES.values())
        or (len(parts) > 1 and parts[0] != MEDIA_DIR)
    ):
        raise ValueError(f"chemin refusé : {path!r}")
    return path


def copy_hashing(source: BinaryIO, target: BinaryIO) -> tuple[int, str]:
    """Copy ``source`` to ``target`` by chunks; the size and SHA-256 of what was copied."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def hash_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """``manifest.json`` then ``SHA256SUMS``, each durable before it is visible."""
    body = json.dumps(manifest.to_json(), indent=2, ensure_ascii=False).encode() + b"\n"
    _write_durably(directory / MANIFEST_NAME, body)
    sums = [(entry.sha256, entry.path) for entry in manifest.files]
    sums.append((hashlib.sha256(body).hexdigest(), MANIFEST_NAME))
    _write_durably(directory / CHECKSUMS_NAME, "".join(f"{sha}  {path}\n" for sha, path in sums).encode())


def _write_durably(target: Path, data: bytes) -> None:
    fd, temp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST_NAME
    if not directory.is_dir():
        raise BackupError(f"Sauvegarde introuvable : {directory} n'est pas un dossier.")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BackupError(
            f"Sauvegarde refusée : pas de manifeste ({MANIFEST_NAME}) dans {directory} "
            "(sauvegarde interrompue, ou pas une sauvegarde)."
        ) from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError("Sauvegarde refusée : manifeste illisible (JSON invalide).") from None
    return Manifest.from_json(data)


def verify_backup(directory: Path) -> Manifest:
    """The manifest of a backup whose every file is present, of the right size and checksum.

    Raises BackupError naming the files at fault otherwise. Blocking: run it off the event loop.
    """
    manifest = read_manifest(directory)
    problems = list(_problems(directory, manifest.files))
    if problems:
        shown = " ; ".join(problems[:_PROBLEMS_SHOWN])
        more = f" ; et {len(problems) - _PROBLEMS_SHOWN} autre(s)" if len(problems) > _PROBLEMS_SHOWN else ""
        raise BackupError(
            f"Sauvegarde endommagée, rien n'est restauré : {len(problems)} fichier(s) en défaut — "
            f"{shown}{more}."
        )
    return manifest


def _problems(directory: Path, entries: Iterable[FileEntry]) -> Iterable[str]:
    for entry in entries:
        path = directory.joinpath(*entry.path.split("/"))
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            yield f"{entry.path} : absent"
            continue
        if size != entry.size:
            yield f"{entry.path} : {size} octets au lieu de {entry.size}"
        elif hash_file(path)[1] != entry.sha256:
            yield f"{entry.path} : somme de contrôle différente"
