"""The embedded index's files and connections: one SQLite database (FTS5) per generation.

The directory holds ``index-<hex>.sqlite3`` files and ``CURRENT``, which names the live one. A
rebuild writes a new file, then replaces ``CURRENT`` (``os.replace``, atomic) and bumps the
generation: searches already running finish on the old file, the next ones open the new one, and
the old file is deleted once its last connection is returned. Swapping by name rather than by
renaming the database over the old one keeps each file's WAL beside its own database.

Connections are pooled: a search borrows one for its thread and gives it back, so any number of
threads search at once (WAL lets them read while one writer writes). Writes take ``write_lock``.

Other processes share the directory (the app, the indexing worker, ``marketplace search
reindex``): each borrow stats ``CURRENT`` and, when it was replaced since, reads it and follows a
swap made elsewhere (``follow``) as if it had made it. Every upsert also bumps the file's
``vocabulary`` counter (table ``meta``), so that a process whose typo vocabulary is older than the
file's counter reloads it (``search.typos``).
"""

# ruff: noqa: S608  (column and field names come from the module constants; values are bound)

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

CURRENT = "CURRENT"

# The searchable columns, in rank order; their BM25 weights come from the settings file.
COLUMNS: tuple[str, ...] = (
    "title_head",
    "title",
    "attributes_text",
    "category",
    "description",
    "wanted_in_exchange",
    "pickup_area",
)
SINGLE_FIELDS: tuple[str, ...] = ("community_id", "kind", "status", "condition", "gender", "pickup_area")
MULTI_FIELDS: tuple[str, ...] = ("category_ids", "size", "shoe_size")
# The single-valued fields a result may count (every facet but the multi-valued ones).
FACET_SINGLES: tuple[str, ...] = ("community_id", "kind", "condition", "gender", "pickup_area")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    community_id TEXT,
    kind TEXT,
    status TEXT,
    condition TEXT,
    gender TEXT,
    pickup_area TEXT,
    price REAL,
    published_at INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
-- A community's documents on offer, newest first: with the id, a page's rowids come from the
-- index alone (docs_scope, before it, lacked the id: a page sorted whole bodies).
DROP INDEX IF EXISTS docs_scope;
CREATE INDEX IF NOT EXISTS docs_browse ON docs (community_id, status, published_at, id);
CREATE INDEX IF NOT EXISTS docs_published ON docs (published_at);
CREATE INDEX IF NOT EXISTS docs_price ON docs (price);
CREATE TABLE IF NOT EXISTS doc_values (
    doc INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (doc, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_values_by_value ON doc_values (field, value, doc);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    {", ".join(COLUMNS)}, prefix='2 3 4', tokenize='unicode61 remove_diacritics 0'
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_vocab USING fts5vocab(fts, 'row');
-- Documents per (community, status) and facet value, kept by every write (``adjust_counts``):
-- browsing without text (a community's page) reads its total and facets here instead of
-- counting every listing. Field '' with value '' is the number of documents.
CREATE TABLE IF NOT EXISTS facet_counts (
    community_id TEXT NOT NULL,
    status TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (community_id, status, field, value)
) WITHOUT ROWID;
-- Counters of the file: 'vocabulary' grows with every upsert (what another process's typo
-- vocabulary compares with its own).
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
"""


def vocabulary_version(connection: sqlite3.Connection) -> int:
    """The file's upsert counter: a vocabulary read at another value may lack words."""
    row = connection.execute("SELECT value FROM meta WHERE key = 'vocabulary'").fetchone()
    return int(row[0]) if row is not None else 0


def bump_vocabulary(connection: sqlite3.Connection) -> int:
    """Count one more upsert (in the write's transaction) and answer the new value."""
    row = connection.execute(
        "INSERT INTO meta (key, value) VALUES ('vocabulary', 1) "
        "ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value"
    ).fetchone()
    return int(row[0])


def _counts_of(selection: str, sign: int) -> tuple[str, int]:
    """The rows of facet_counts for the documents of ``selection`` (a WHERE on ``docs d``),
    counted ``sign`` times."""
    scope = "coalesce(d.community_id, ''), coalesce(d.status, '')"
    count = f"{int(sign)} * count(*)"
    parts = [f"SELECT {scope}, '', '', {count} FROM docs d WHERE {selection} GROUP BY 1, 2"]
    for name in FACET_SINGLES:
        parts.append(
            f"SELECT {scope}, '{name}', d.{name}, {count} FROM docs d "
            f"WHERE {selection} AND d.{name} IS NOT NULL GROUP BY 1, 2, 4"
        )
    for name in MULTI_FIELDS:
        parts.append(
            f"SELECT {scope}, '{name}', v.value, {count} FROM docs d "
            f"JOIN doc_values v ON v.doc = d.rowid AND v.field = '{name}' WHERE {selection} GROUP BY 1, 2, 4"
        )
    return " UNION ALL ".join(parts), len(parts)


def adjust_counts(connection: sqlite3.Connection, rowids: list[int], sign: int) -> None:
    """Add (``sign`` 1) or take off (-1) the documents ``rowids`` from facet_counts; call it
    after inserting them, or before deleting them, in the write's transaction."""
    if not rowids:
        return
    selection, parts = _counts_of("d.rowid IN (SELECT value FROM json_each(?))", sign)
    connection.execute(
        f"INSERT INTO facet_counts (community_id, status, field, value, count) SELECT * FROM ({selection}) "
        "WHERE true ON CONFLICT (community_id, status, field, value) "
        "DO UPDATE SET count = count + excluded.count",
        [json.dumps(rowids)] * parts,
    )
    if sign < 0:
        connection.execute("DELETE FROM facet_counts WHERE count <= 0")


def recount(connection: sqlite3.Connection) -> None:
    """Fill facet_counts from the documents (a file written before the table existed)."""
    rowids = [row[0] for row in connection.execute("SELECT rowid FROM docs")]
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute("DELETE FROM facet_counts")
        adjust_counts(connection, rowids, 1)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


MMAP_BYTES = 1 << 30  # address space only: the pages stay the kernel's file cache


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """A connection to ``path``; with ``create=False`` a missing file is an error rather than a
    new empty database (a file another process has just swapped out and removed)."""
    target = f"file:{quote(str(path))}?mode={'rwc' if create else 'rw'}"
    connection = sqlite3.connect(target, uri=True, check_same_thread=False, isolation_level=None, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=10000")
    connection.execute("PRAGMA cache_size=-16000")
    # Reads map the file instead of copying its pages through SQLite's cache: a search joining
    # thousands of matches to their rows reads each page in place (100,000 listings: the
    # "wanted" browse 128 ms to 90 ms, "lave linge" 68 ms to 25 ms on a loaded machine).
    connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    connection.executescript(SCHEMA)
    return connection


class Store:
    """The live database file of a directory, a pool of connections to it, and the swap."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.write_lock = threading.RLock()
        self._lock = threading.Lock()
        self._idle: list[tuple[int, sqlite3.Connection]] = []
        self._open: dict[int, int] = {}  # generation -> connections out or idle
        self._files: dict[int, Path] = {}
        self._closed = False
        self.generation = 0
        self._path: Path | None = None
        self._pointer_stamp: tuple[int, int, int] | None = None  # CURRENT's (inode, mtime_ns, size)

    # --- files ---------------------------------------------------------------------------

    def open(self) -> None:
        """Find (or create) the live file; remove files a crashed rebuild left behind."""
        with self._lock:
            if self._path is not None:
                return
            self.directory.mkdir(parents=True, exist_ok=True)
            pointer = self.directory / CURRENT
            stamp = _stamp(pointer)
            name = pointer.read_text(encoding="utf-8").strip() if pointer.exists() else ""
            path = self.directory / name if name else None
            if path is None or not path.exists():
                path = self.new_file()
                connect(path).close()
                self._point_to(path)
                stamp = _stamp(pointer)
            else:
                _backfill_counts(path)
            self._path = path
            self._pointer_stamp = stamp
            self._files[self.generation] = path
        for stale in self.directory.glob("index-*.sqlite3"):
            if stale != path:
                _remove_database(stale)

    def new_file(self) -> Path:
        return self.directory / f"index-{uuid.uuid4().hex}.sqlite3"

    def _point_to(self, path: Path) -> None:
        pointer = self.directory / CURRENT
        temporary = self.directory / f"{CURRENT}.{uuid.uuid4().hex}.tmp"
        temporary.write_text(path.name, encoding="utf-8")
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, pointer)

    def swap(self, path: Path) -> None:
        """Make ``path`` the live file (call with ``write_lock`` held)."""
        with self._lock:
            self._point_to(path)
            self._pointer_stamp = _stamp(self.directory / CURRENT)
            self._switch_to(path)

    def follow(self) -> None:
        """Follow a swap another process made: one stat of ``CURRENT`` when it has not changed."""
        stamp = _stamp(self.directory / CURRENT)
        if stamp is None or stamp == self._pointer_stamp:
            return
        with self._lock:
            if stamp == self._pointer_stamp:
                return
            try:
                name = (self.directory / CURRENT).read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                return
            path = self.directory / name
            if name and path != self._path and path.exists():
                self._switch_to(path)
            self._pointer_stamp = stamp

    def _switch_to(self, path: Path) -> None:
        """Make ``path`` the next generation (with ``_lock`` held): idle connections to the old
        file close, and the old file goes once the connections still out come back."""
        old = self.generation
        self.generation += 1
        self._path = path
        self._files[self.generation] = path
        keep: list[tuple[int, sqlite3.Connection]] = []
        for generation, connection in self._idle:
            if generation == old:
                connection.close()
                self._open[old] -= 1
            else:
                keep.append((generation, connection))
        self._idle = keep
        self._forget_if_unused(old)

    def _forget_if_unused(self, generation: int) -> None:
        if generation != self.generation and self._open.get(generation, 0) == 0:
            self._open.pop(generation, None)
            path = self._files.pop(generation, None)
            if path is not None:
                _remove_database(path)

    # --- connections ---------------------------------------------------------------------

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection to the live file for the duration of one operation, in this thread."""
        with self.connection_of_generation() as (_generation, connection):
            yield connection

    @contextlib.contextmanager
    def connection_of_generation(self) -> Iterator[tuple[int, sqlite3.Connection]]:
        """``connection()`` with the generation of the file it is open on."""
        generation, connection = self._borrow()
        try:
            yield generation, connection
        finally:
            self._give_back(generation, connection)

    def _borrow(self) -> tuple[int, sqlite3.Connection]:
        if self._path is None:
            self.open()
        else:
            self.follow()
        try:
            return self._borrow_live()
        except sqlite3.OperationalError:
            # The file went between the stat and the connect (another process swapped again).
            self.follow()
            return self._borrow_live()

    def _borrow_live(self) -> tuple[int, sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError("the search index is closed")
            while self._idle:
                generation, connection = self._idle.pop()
                if generation == self.generation:
                    return generation, connection
                connection.close()
                self._open[generation] -= 1
                self._forget_if_unused(generation)
            generation, path = self.generation, self._path
            self._open[generation] = self._open.get(generation, 0) + 1
        assert path is not None
        try:
            return generation, connect(path, create=False)
        except BaseException:
            with self._lock:
                self._open[generation] -= 1
            raise

    def _give_back(self, generation: int, connection: sqlite3.Connection) -> None:
        with self._lock:
            if connection.in_transaction:
                connection.rollback()
            if generation == self.generation and not self._closed:
                self._idle.append((generation, connection))
                return
            connection.close()
            self._open[generation] -= 1
            self._forget_if_unused(generation)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for generation, connection in self._idle:
                connection.close()
                self._open[generation] -= 1
            self._idle = []


def _stamp(pointer: Path) -> tuple[int, int, int] | None:
    try:
        status = os.stat(pointer)
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size


def _backfill_counts(path: Path) -> None:
    connection = connect(path)
    try:
        counted = connection.execute("SELECT 1 FROM facet_counts LIMIT 1").fetchone()
        if counted is None and connection.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is not None:
            recount(connection)
    finally:
        connection.close()


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()
