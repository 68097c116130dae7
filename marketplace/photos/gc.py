"""The orphan collector: files of the media root that no photo row refers to.

Orphans appear when a process dies between a commit and the removal of files (deleting a photo
removes its files after the commit), when an upload is refused after its files were written
(the 11th photo racing another), when a listing row is deleted by a cascade, or when a save is
interrupted (a ``.tmp-`` file). The files of drafts (``photos/drafts.py``) are referenced: their
rows go with the draft, after a week at most (``photos/scheduled.py``, or this collector's
``--apply``, which removes the abandoned drafts first).

Only files older than ``min_age`` (an hour by default) are taken, as ``git gc`` spares young
loose objects: an upload writes its files before the row that refers to them is committed, so
a young unreferenced file may belong to an upload in progress. Files are listed before the
references are read, for the same reason. Anything that is neither named like a variant (``ab/cd/abcd….webp``)
nor a ``.tmp-`` file is not ours and is left alone.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.photos.drafts import DraftService
from marketplace.photos.models import DraftPhoto, Photo
from marketplace.photos.service import keys_in
from marketplace.photos.storage import LocalDirectoryStorage

TEMP_PREFIX: Final = ".tmp-"
VARIANT_KEY: Final = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.webp")
"""The shape of ``PhotoVariant.key``: SHA-256 in hex, fanned out by its first two bytes."""
DEFAULT_MIN_AGE: Final = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class StoredFile:
    path: Path
    key: str | None
    """The storage key; None for a temporary file."""
    size: int
    modified: float


@dataclass
class Collection:
    """What a pass found (and, with ``apply``, removed)."""

    orphans: list[StoredFile] = field(default_factory=list)
    young: list[StoredFile] = field(default_factory=list)
    """Unreferenced but recent: perhaps an upload in progress, left for a later pass."""
    removed: int = 0
    applied: bool = False
    abandoned_drafts: int = 0
    """Drafts of the posting form untouched for a week (``photos/drafts.py``): removed with
    ``apply``, their files then collected like any other orphan."""

    @property
    def orphan_bytes(self) -> int:
        return sum(item.size for item in self.orphans)

    @property
    def temporary(self) -> int:
        return sum(1 for item in self.orphans if item.key is None)

    def summary(self) -> str:
        lines = [
            f"Fichiers orphelins : {len(self.orphans)} ({human_size(self.orphan_bytes)}), "
            f"dont {self.temporary} temporaire(s)."
        ]
        for item in self.orphans:
            lines.append(f"  {item.key or item.path.name}  {human_size(item.size)}")
        if self.young:
            lines.append(
                f"Fichiers récents non référencés laissés en place : {len(self.young)} "
                "(un envoi est peut-être en cours)."
            )
        if self.abandoned_drafts:
            done = "supprimés" if self.applied else "à supprimer"
            lines.append(
                f"Brouillons de photos abandonnés depuis une semaine, {done} : {self.abandoned_drafts}."
            )
        if self.applied:
            lines.append(f"Supprimés : {self.removed}.")
        elif self.orphans:
            lines.append("Essai à blanc : rien n'est supprimé. Relancez avec --apply pour les supprimer.")
        return "\n".join(lines)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("o", "ko", "Mo", "Go"):
        if value < 1024 or unit == "Go":
            return f"{value:.0f} {unit}" if unit == "o" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} o"  # pragma: no cover - the loop always returns


def list_files(root: Path) -> list[StoredFile]:
    """Every variant file and temporary file under ``root``, with its size and age."""
    found: list[StoredFile] = []
    if not root.is_dir():
        return found
    for directory, subdirectories, filenames in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        relative = Path(directory).relative_to(root).parts
        for filename in filenames:
            path = Path(directory, filename)
            key: str | None = None
            if not filename.startswith(TEMP_PREFIX):
                key = "/".join((*relative, filename))
                if not VARIANT_KEY.fullmatch(key):
                    continue  # not written by the photo pipeline: not ours to judge
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # a save renamed it, or another pass removed it
            found.append(StoredFile(path=path, key=key, size=stat.st_size, modified=stat.st_mtime))
    return found


async def referenced_keys(session: AsyncSession) -> set[str]:
    """The keys the photos of listings and of drafts use (a draft's files are no orphans)."""
    keys: set[str] = set()
    for model in (Photo, DraftPhoto):
        for variants in await session.scalars(select(model.variants)):
            keys |= keys_in(variants)
    return keys


def classify(
    files: list[StoredFile], referenced: set[str], *, now: float, min_age: datetime.timedelta
) -> Collection:
    collection = Collection()
    threshold = now - min_age.total_seconds()
    for item in files:
        if item.key is not None and item.key in referenced:
            continue
        (collection.orphans if item.modified <= threshold else collection.young).append(item)
    return collection


def remove(collection: Collection) -> None:
    for item in collection.orphans:
        with contextlib.suppress(FileNotFoundError):
            item.path.unlink()
            collection.removed += 1
    collection.applied = True


async def collect(
    session: AsyncSession,
    root: Path,
    *,
    apply: bool = False,
    min_age: datetime.timedelta = DEFAULT_MIN_AGE,
    now: float | None = None,
) -> Collection:
    """Find the orphans under ``root`` (and remove them if ``apply``): a dry run by default.

    Abandoned drafts go first (with ``apply``), as the worker's job would remove them: the GC
    then also cleans up where no worker runs that job."""
    moment = time.time() if now is None else now
    drafts = DraftService(session, storage=LocalDirectoryStorage(root))
    when = datetime.datetime.fromtimestamp(moment, datetime.UTC)
    abandoned = await (drafts.expire(when) if apply else drafts.expired_count(when))
    files = await anyio.to_thread.run_sync(list_files, root)
    collection = classify(files, await referenced_keys(session), now=moment, min_age=min_age)
    collection.abandoned_drafts = abandoned
    if apply:
        await anyio.to_thread.run_sync(remove, collection)
    return collection
