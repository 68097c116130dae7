"""``backup(settings, directory)`` and ``restore(settings, directory)``: the two operations.

Backup, online: the database snapshot first, then the media files. Photo files are written
before the rows that name them and are never rewritten, so every file the snapshot names
already exists when the copy of the media root starts. The backup is written in a hidden
sibling directory renamed into place at the end: a directory named like the backup is whole.

Restore: nothing changes until the whole backup has been verified, and the refusals (damaged
backup, other database kind, newer schema, data in the database without ``force``) all come
before the first write. Then the media files are added (additively), the database is replaced
in one atomic step, it is migrated to head, and only then, with ``force``, the files that are
not in the backup are removed: at every moment, the files the database names exist.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread

from marketplace.backup.database import (
    Snapshot,
    database_kind,
    head_revision,
    known_revisions,
    postgres_tables_with_data,
    restore_postgres,
    snapshot_postgres,
    snapshot_sqlite,
    sqlite_exclusive,
    sqlite_path,
    sqlite_tables_with_data,
    sqlite_url_for,
)
from marketplace.backup.manifest import (
    DATABASE_FILES,
    MEDIA_DIR,
    BackupError,
    FileEntry,
    Manifest,
    copy_hashing,
    hash_file,
    verify_backup,
    write_manifest,
)
from marketplace.backup.media import MediaMerge, copy_file, list_media, merge_into, remove_extra
from marketplace.db.migrate import upgrade
from marketplace.photos.gc import TEMP_PREFIX, human_size
from marketplace.settings import Settings

_MISSING_SHOWN = 5


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    database_kind: str
    revision: str | None
    database_bytes: int
    media_files: int
    media_bytes: int
    missing_media: tuple[str, ...]

    def summary(self) -> str:
        lines = [
            f"Sauvegarde écrite dans {self.directory} : base {self.database_kind} "
            f"(révision {self.revision or 'aucune'}, {human_size(self.database_bytes)}), "
            f"{self.media_files} fichier(s) de photos ({human_size(self.media_bytes)})."
        ]
        if self.missing_media:
            lines.append(
                f"Attention : {len(self.missing_media)} fichier(s) nommé(s) par la base ont été supprimés "
                "pendant la sauvegarde (photos supprimées entre-temps) : "
                + ", ".join(self.missing_media[:_MISSING_SHOWN])
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class RestoreSummary:
    database_kind: str
    backup_revision: str | None
    revision: str | None
    """The revision after the migrations."""
    database_bytes: int
    media: MediaMerge
    force: bool

    def summary(self) -> str:
        upgraded = (
            f", mise à jour en {self.revision}" if self.revision != self.backup_revision else ", à jour"
        )
        media = self.media
        lines = [
            f"Restauration faite : base {self.database_kind} ({human_size(self.database_bytes)}, "
            f"révision {self.backup_revision or 'aucune'}{upgraded}), "
            f"{media.copied} fichier(s) de photos copiés ({human_size(media.copied_bytes)}), "
            f"{media.unchanged} déjà en place."
        ]
        if media.differing and not self.force:
            lines.append(
                f"{len(media.differing)} fichier(s) différents de la sauvegarde laissés en place "
                "(--force pour les remplacer)."
            )
        elif media.replaced:
            lines.append(f"{media.replaced} fichier(s) différents de la sauvegarde remplacés.")
        if media.extra and not self.force:
            lines.append(
                f"{len(media.extra)} fichier(s) absents de la sauvegarde gardés (--force pour les supprimer)."
            )
        elif media.removed:
            lines.append(f"{media.removed} fichier(s) absents de la sauvegarde supprimés.")
        return "\n".join(lines)


# --- backup --------------------------------------------------------------------------------


async def backup(settings: Settings, directory: Path) -> BackupSummary:
    """Write a consistent copy of the database and of the media root into ``directory``.

    ``directory`` must not exist, or be empty. Works while the app serves and writes.
    """
    url = settings.database.url
    kind = database_kind(url)
    staging = await anyio.to_thread.run_sync(_staging_for, directory, settings.media.root)
    try:
        dump = staging / DATABASE_FILES[kind]
        if kind == "sqlite":
            snapshot = await anyio.to_thread.run_sync(snapshot_sqlite, url, dump)
        else:
            snapshot = await snapshot_postgres(url, dump)
        return await anyio.to_thread.run_sync(
            _complete_backup, staging, directory, settings.media.root, kind, snapshot
        )
    except BaseException:
        with anyio.CancelScope(shield=True):  # an interrupted backup leaves nothing behind
            await anyio.to_thread.run_sync(lambda: shutil.rmtree(staging, ignore_errors=True))
        raise


def _staging_for(directory: Path, media_root: Path) -> Path:
    directory, media_root = directory.resolve(), media_root.resolve()
    if directory.is_relative_to(media_root) or media_root.is_relative_to(directory):
        raise BackupError(f"La sauvegarde ne peut pas être écrite dans le dossier des photos ({media_root}).")
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} existe déjà et n'est pas vide : choisissez un nouveau dossier.")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.parent / f".{directory.name}.partial-{secrets.token_hex(4)}"
    staging.mkdir()
    return staging


def _complete_backup(
    staging: Path, directory: Path, media_root: Path, kind: str, snapshot: Snapshot
) -> BackupSummary:
    dump = staging / DATABASE_FILES[kind]
    database_size, database_sha = hash_file(dump)
    entries = [FileEntry(dump.name, database_size, database_sha)]
    copied: set[str] = set()
    for key, source in list_media(media_root).items():
        try:
            size, sha256 = copy_file(source, staging / MEDIA_DIR / key)
        except FileNotFoundError:
            continue  # removed since it was listed (an orphan collected, a photo deleted)
        entries.append(FileEntry(f"{MEDIA_DIR}/{key}", size, sha256))
        copied.add(key)
    manifest = Manifest(
        created_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        database_kind=kind,
        alembic_revision=snapshot.revision,
        files=tuple(entries),
        missing_media=tuple(sorted(snapshot.media_keys - copied)),
    )
    write_manifest(staging, manifest)
    directory = directory.resolve()
    with contextlib.suppress(FileNotFoundError):
        directory.rmdir()  # checked empty; a non-empty one makes rename fail below
    staging.rename(directory)
    _fsync_directory(directory.parent)
    media = manifest.media
    return BackupSummary(
        directory=directory,
        database_kind=kind,
        revision=snapshot.revision,
        database_bytes=database_size,
        media_files=len(media),
        media_bytes=sum(entry.size for entry in media),
        missing_media=manifest.missing_media,
    )


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- restore -------------------------------------------------------------------------------


async def restore(settings: Settings, directory: Path, *, force: bool = False) -> RestoreSummary:
    """Restore the backup in ``directory`` into the configured database and media root.

    Refuses (BackupError, nothing changed) a damaged or unknown backup, a backup of the other
    database kind or of a newer schema, and, unless ``force``, a database that holds data.
    Without ``force`` no existing media file is changed or removed. Migrates to head after.
    """
    url = settings.database.url
    kind = database_kind(url)
    manifest = await anyio.to_thread.run_sync(verify_backup, directory)
    if manifest.database_kind != kind:
        raise BackupError(
            f"Sauvegarde d'une base {manifest.database_kind}, base configurée {kind} : "
            "restauration impossible."
        )
    if manifest.alembic_revision is not None and manifest.alembic_revision not in known_revisions(url):
        raise BackupError(
            f"Sauvegarde d'une version plus récente de l'application (révision {manifest.alembic_revision} "
            "inconnue) : mettez l'application à jour avant de restaurer."
        )
    if kind == "sqlite":
        merge = await anyio.to_thread.run_sync(
            _restore_sqlite, url, directory, manifest, settings.media.root, force
        )
    else:
        merge = await _restore_postgres(url, directory, manifest, settings.media.root, force)
    return RestoreSummary(
        database_kind=kind,
        backup_revision=manifest.alembic_revision,
        revision=head_revision(url),
        database_bytes=manifest.database.size,
        media=merge,
        force=force,
    )


def _refuse_data(tables: list[str] | None, target: str) -> None:
    if tables is None:
        raise BackupError(f"La base {target} est illisible : ajoutez --force pour la remplacer.")
    if tables:
        raise BackupError(
            f"La base {target} contient déjà des données ({', '.join(tables[:5])}) : "
            "ajoutez --force pour les remplacer par la sauvegarde."
        )


def _restore_sqlite(
    url: str, directory: Path, manifest: Manifest, media_root: Path, force: bool
) -> MediaMerge:
    """Blocking, in one thread: the lock on the database is a sqlite3 connection."""
    target = sqlite_path(url).absolute()
    if not force:
        _refuse_data(sqlite_tables_with_data(target), str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite_exclusive(target, force=force):
        temporary = target.with_name(f"{TEMP_PREFIX}{target.name}.restore-{secrets.token_hex(4)}")
        try:
            entry = manifest.database
            with (directory / entry.path).open("rb") as reader, temporary.open("wb") as writer:
                if copy_hashing(reader, writer) != (entry.size, entry.sha256):
                    raise BackupError(f"Sauvegarde modifiée pendant la restauration : {entry.path}.")
            # Migrated before the swap: the database is never seen half-migrated.
            upgrade(sqlite_url_for(url, temporary))
            with temporary.open("rb") as file:
                os.fsync(file.fileno())
            merge = merge_into(directory, manifest.media, media_root, force=force)
            os.replace(temporary, target)
            _fsync_directory(target.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
    if force:
        remove_extra(media_root, merge)
    return merge


async def _restore_postgres(
    url: str, directory: Path, manifest: Manifest, media_root: Path, force: bool
) -> MediaMerge:
    if not force:
        _refuse_data(await postgres_tables_with_data(url), "PostgreSQL configurée")
    merge = await anyio.to_thread.run_sync(
        lambda: merge_into(directory, manifest.media, media_root, force=force)
    )
    await restore_postgres(url, directory / manifest.database.path)
    await anyio.to_thread.run_sync(upgrade, url)
    if force:
        await anyio.to_thread.run_sync(remove_extra, media_root, merge)
    return merge
