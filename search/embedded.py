"""The embedded backend: SQLite FTS5 in a file of the directory it is given, no server.

Every call runs in a worker thread (``anyio.to_thread``); each borrows a pooled connection, so
searches run side by side while one writer writes (WAL). The text pipeline is
``search.language``'s, as in the Meilisearch backend; typo tolerance is ``search.typos``; SQL is
``search.embedded_query``; highlighting is ``search.highlight``. See ``search/README.md`` for the
ranking rules and the measurements.

A query whose words do not all match anywhere drops its last words one by one until something
matches, as Meilisearch's default matching strategy ("last") does when nothing has every word.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from search import embedded_writes
from search.contract import Document, Health, Hit, ProgressCallback, Query, Result, SearchUnavailable, check
from search.embedded_query import TextMatch, counted, statements, text_match
from search.embedded_store import Store, connect, vocabulary_version
from search.highlight import Matcher, highlight, snippet
from search.language import QueryTerm, expand_query
from search.typos import Vocabulary

T = TypeVar("T")


class EmbeddedIndex:
    """The contract's ``SearchIndex`` on SQLite FTS5 under ``directory``."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._store = Store(self.directory)
        self._vocabulary = Vocabulary()
        self._rebuild_lock = threading.Lock()
        # While a rebuild runs, writes also go to this journal, replayed on the new file.
        self._journal: list[tuple[str, Any]] | None = None

    async def _run(self, function: Callable[[], T]) -> T:
        try:
            return await anyio.to_thread.run_sync(function)
        except sqlite3.Error as error:
            raise SearchUnavailable(f"embedded index: {error}") from error

    # --- contract ------------------------------------------------------------------------

    async def ensure_settings(self) -> None:
        """Create the directory and the index file if needed (the schema is the settings)."""
        await self._run(self._store.open)

    async def upsert(self, documents: Sequence[Document]) -> None:
        """Write ``documents``, each replacing the one with the same id."""
        if documents:
            await self._run(lambda: self._write("upsert", list(documents)))

    async def delete(self, ids: Sequence[str]) -> None:
        """Remove ``ids``; unknown ids are no error."""
        if ids:
            await self._run(lambda: self._write("delete", [str(item) for item in ids]))

    async def search(self, query: Query) -> Result:
        """The page of hits of ``query`` within its communities (``InvalidQuery`` if malformed)."""
        check(query)
        return await self._run(lambda: self._search(query))

    async def rebuild(
        self, batches: AsyncIterator[Sequence[Document]], progress: ProgressCallback | None = None
    ) -> int:
        """Write every batch into a new file, then swap it in; searches use the old file meanwhile."""
        await self._run(self._store.open)
        await self._run(self._begin_rebuild)
        path = self._store.new_file()
        written = 0
        connection: sqlite3.Connection | None = None
        try:
            connection = await self._run(lambda: connect(path))
            async for batch in batches:
                documents = list(batch)
                await self._run(lambda: embedded_writes.upsert(connection, documents))  # noqa: B023
                written += len(documents)
                if progress is not None:
                    progress(written)
            return await self._run(lambda: self._finish_rebuild(connection, path))
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._run(lambda: self._abandon_rebuild(connection, path))
            raise

    async def health(self) -> Health:
        try:
            count = await self._run(self._count)
        except SearchUnavailable as error:
            return Health(available=False, detail=str(error))
        return Health(available=True, documents=count)

    async def close(self) -> None:
        await anyio.to_thread.run_sync(self._store.close)

    # --- in the worker thread ------------------------------------------------------------

    def _count(self) -> int:
        with self._store.connection() as connection:
            return embedded_writes.document_count(connection)

    def _write(self, operation: str, payload: Any) -> None:
        with self._store.write_lock, self._store.connection_of_generation() as (generation, connection):
            words = self._apply(connection, operation, payload)
            if self._journal is not None:
                self._journal.append((operation, payload))
            if operation == "upsert":
                self._vocabulary.add(generation, vocabulary_version(connection), words)

    @staticmethod
    def _apply(connection: sqlite3.Connection, operation: str, payload: Any) -> set[str]:
        if operation == "upsert":
            return embedded_writes.upsert(connection, payload)
        embedded_writes.delete(connection, payload)
        return set()

    def _begin_rebuild(self) -> None:
        if not self._rebuild_lock.acquire(blocking=False):
            raise sqlite3.OperationalError("a rebuild is already running")
        with self._store.write_lock:
            self._journal = []

    def _finish_rebuild(self, connection: sqlite3.Connection, path: Path) -> int:
        try:
            with self._store.write_lock:
                for operation, payload in self._journal or []:
                    self._apply(connection, operation, payload)
                connection.execute("INSERT INTO fts (fts) VALUES ('optimize')")
                connection.execute("PRAGMA optimize")
                count = embedded_writes.document_count(connection)
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.close()
                self._store.swap(path)
                self._journal = None
                self._vocabulary.reset()
            return count
        finally:
            self._rebuild_lock.release()

    def _abandon_rebuild(self, connection: sqlite3.Connection | None, path: Path) -> None:
        with self._store.write_lock:
            self._journal = None
        if connection is not None:
            connection.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        if self._rebuild_lock.locked():
            self._rebuild_lock.release()

    def _search(self, query: Query) -> Result:
        started = time.perf_counter()
        terms = expand_query(query.text)
        with self._store.connection_of_generation() as (generation, connection):
            match: TextMatch | None = None
            rows: list[tuple[int, str]] = []
            counts: list[tuple[str, str, int]] = []
            if query.community_ids:
                if terms:
                    self._vocabulary.load(generation, connection)
                # Drop the last words while nothing matches them all (Meilisearch's "last").
                for used in range(len(terms), 0, -1) if terms else (0,):
                    match = self._match(terms[:used]) if used else None
                    plan = statements(query, match)
                    counts = counted(connection, plan)
                    if counts[0][2] or used <= 1:
                        break
                if counts and counts[0][2]:
                    rows = connection.execute(plan.hits, plan.hit_parameters).fetchall()
        total = int(counts[0][2]) if counts else 0
        facets: dict[str, dict[str, int]] = {str(facet.value): {} for facet in query.facets}
        for name, value, count in counts[1:]:
            facets[name][str(value)] = int(count)
        matcher = Matcher(match.terms, match.prefixes) if match is not None else Matcher(frozenset())
        hits = [_hit(json.loads(body), matcher) for _rowid, body in rows]
        return Result(hits=hits, total=total, facets=facets, took_ms=(time.perf_counter() - started) * 1000)

    def _match(self, terms: Sequence[QueryTerm]) -> TextMatch:
        neighbours = {word: self._vocabulary.neighbours(word) for term in terms for word in term.words}
        return text_match(terms, neighbours)


def _hit(document: dict[str, Any], matcher: Matcher) -> Hit:
    return Hit(
        id=str(document["id"]),
        document=document,
        title_html=highlight(str(document.get("title") or ""), matcher),
        description_html=snippet(str(document.get("description") or ""), matcher),
    )
