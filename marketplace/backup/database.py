"""Consistent snapshots of the database while the app writes, and their restoration.

- SQLite: the online backup API (``sqlite3.Connection.backup``) in one step, so the copy is one
  read transaction (WAL: writers go on meanwhile). Restored by writing a temporary file beside the
  database, migrating it, and renaming it over the database under an exclusive lock.
- PostgreSQL: ``pg_dump --format=custom`` on a snapshot exported by a REPEATABLE READ
  transaction, in which the revision and the photo files are read too: all three describe the
  same instant. Restored by ``pg_restore --clean --if-exists --single-transaction`` (all or
  nothing), then migrated.

The revision and the photo keys are read with plain SQL, not the ORM models: a snapshot may
come from an older schema.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from marketplace.backup.manifest import BackupError
from marketplace.db.migrate import alembic_config
from marketplace.db.store_model import StoreItem
from marketplace.photos.service import keys_in

# Rows that do not make a database "hold data": the schema's revision, sessions and throttling.
NOT_DATA = frozenset({"alembic_version", StoreItem.__tablename__})
MISSING_CLIENT = (
    "{tool} introuvable : installez le client PostgreSQL (paquet Debian postgresql-client), "
    "de la même version majeure que le serveur ou plus récente."
)


@dataclass(frozen=True)
class Snapshot:
    revision: str | None
    media_keys: frozenset[str]
    """The media files the snapshot's photo rows name."""


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise BackupError(f"Base non prise en charge pour la sauvegarde : {backend}.")
    return backend


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"Base SQLite sans fichier : {url}.")
    return Path(database)


def sqlite_url_for(url: str, path: Path) -> str:
    """``url`` (driver and options kept) naming the SQLite file at ``path`` instead."""
    return make_url(url).set(database=str(path)).render_as_string(hide_password=False)


def known_revisions(url: str) -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()}


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def _media_keys(rows: Any) -> frozenset[str]:
    keys: set[str] = set()
    for (variants,) in rows:
        keys |= keys_in(json.loads(variants) if isinstance(variants, str | bytes) else variants)
    return frozenset(keys)


# --- SQLite --------------------------------------------------------------------------------


def snapshot_sqlite(url: str, target: Path) -> Snapshot:
    """Copy the SQLite database of ``url`` into ``target`` (blocking: run it in a thread)."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"Base SQLite introuvable : {source_path}.")
    source = sqlite3.connect(source_path, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            # pages=-1: one step, hence one read transaction. Stepwise copies restart whenever
            # another connection writes, and might never finish under a steady flow of writes.
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            return read_sqlite_snapshot(copy)
        finally:
            copy.close()
    finally:
        source.close()


def read_sqlite_snapshot(connection: sqlite3.Connection) -> Snapshot:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    revision = None
    if "alembic_version" in tables:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    keys = _media_keys(connection.execute("SELECT variants FROM photo")) if "photo" in tables else frozenset()
    return Snapshot(revision=revision, media_keys=keys)


def sqlite_tables_with_data(path: Path) -> list[str] | None:
    """The tables of the file at ``path`` holding rows ([] for a missing file); None if unreadable."""
    if not path.exists():
        return []
    try:
        connection = sqlite3.connect(path, timeout=5)
        try:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                    "AND sql NOT LIKE 'CREATE VIRTUAL%'"
                )
            ]
            return [
                name
                for name in names
                if name not in NOT_DATA
                and connection.execute(f"SELECT 1 FROM {_quote_sqlite(name)} LIMIT 1").fetchone()  # noqa: S608 (names from sqlite_master)
            ]
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return None


@contextlib.contextmanager
def sqlite_exclusive(path: Path, *, force: bool) -> Iterator[None]:
    """Hold the database at ``path`` so that nobody opens it until it has been replaced.

    Leaving WAL mode needs the only connection to the file, and an EXCLUSIVE transaction in
    rollback-journal mode keeps readers out: a process that held the old file open would go on
    reading and writing it (and its -wal file, which would then belong to the new one).
    """
    if not path.exists():
        yield
        return
    connection = sqlite3.connect(path, timeout=1, isolation_level=None)
    try:
        _lock(connection, path, force=force)
        yield
    finally:
        connection.close()


def _lock(connection: sqlite3.Connection, path: Path, *, force: bool) -> None:
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as error:
        raise BackupError(
            f"La base {path} est ouverte par un autre processus ({error}) : arrêtez l'application "
            "et le worker avant de restaurer."
        ) from None
    except sqlite3.DatabaseError:
        if not force:
            raise BackupError(f"La base {path} est illisible : ajoutez --force pour la remplacer.") from None
        # Not a database any more: --force replaces it as it is.


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- PostgreSQL ----------------------------------------------------------------------------


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A conninfo string for pg_dump/pg_restore, and the environment holding the password.

    The password goes through PGPASSWORD so that it never appears in the process list.
    """
    parsed = make_url(url)
    fields = {"host": parsed.host, "port": parsed.port, "user": parsed.username, "dbname": parsed.database}

    def quoted(value: object) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    conninfo = " ".join(f"{name}={quoted(value)}" for name, value in fields.items() if value)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return conninfo, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(MISSING_CLIENT.format(tool=name))
    return found


async def _run_tool(arguments: list[str], env: dict[str, str], failure: str) -> None:
    result = await anyio.run_process(arguments, env={**os.environ, **env}, check=False)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{failure} : {' / '.join(detail[-3:]) or f'code {result.returncode}'}.")


async def snapshot_postgres(url: str, target: Path) -> Snapshot:
    """``pg_dump`` the database of ``url`` into ``target`` as it was at one instant."""
    pg_dump = _tool("pg_dump")
    conninfo, env = _libpq(url)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="REPEATABLE READ")
            async with connection.begin():
                snapshot_id = (await connection.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
                revision = None
                if (await connection.execute(text("SELECT to_regclass('alembic_version')"))).scalar():
                    revision = (
                        await connection.execute(text("SELECT version_num FROM alembic_version"))
                    ).scalar()
                keys: frozenset[str] = frozenset()
                if (await connection.execute(text("SELECT to_regclass('photo')"))).scalar():
                    keys = _media_keys(await connection.execute(text("SELECT variants FROM photo")))
                # The exported snapshot lives as long as this transaction: pg_dump runs inside it.
                await _run_tool(
                    [pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}", conninfo],
                    env,
                    "pg_dump a échoué",
                )
    finally:
        await engine.dispose()
    return Snapshot(revision=revision, media_keys=keys)


async def postgres_tables_with_data(url: str) -> list[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            names: list[str] = await connection.run_sync(_table_names)
            quote = connection.dialect.identifier_preparer.quote
            return [
                name
                for name in names
                if name not in NOT_DATA
                and (await connection.execute(text(f"SELECT 1 FROM {quote(name)} LIMIT 1"))).first()  # noqa: S608 (names from the catalogue)
            ]
    finally:
        await engine.dispose()


def _table_names(connection: Connection) -> list[str]:
    return list(inspect(connection).get_table_names())


async def restore_postgres(url: str, dump: Path) -> None:
    """Replace the database of ``url`` by the dump's, in one transaction.

    The schema is emptied first: a backup made before later migrations does not hold their
    tables, which ``pg_restore --clean`` alone would leave in place, still referencing the
    tables it drops (and their types would stop the migration to head afterwards).
    """
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    conninfo, env = _libpq(url)
    with tempfile.TemporaryDirectory(prefix="marketplace-restore-") as scratch:
        script = Path(scratch) / "restore.sql"
        await _run_tool(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",  # objects belong to the configured user, whoever made the dump
                "--no-acl",
                f"--file={script}",
                str(dump),
            ],
            env,
            "pg_restore a échoué, la base n'a pas changé",
        )
        await _run_tool(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",  # all or nothing: a failed restore leaves the database as it was
                "--command=DROP SCHEMA public CASCADE; CREATE SCHEMA public;",
                f"--file={script}",
                f"--dbname={conninfo}",
            ],
            env,
            "la restauration a échoué, la base n'a pas changé",
        )
