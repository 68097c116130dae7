"""Typo tolerance for the embedded index: the words of its vocabulary near a query word.

The rule is Meilisearch's default: no typo below 5 letters, one from 5, two from 9, none on
numbers. The vocabulary is the FTS5 index's own (``fts5vocab``), loaded once per index file and
grown as this process writes documents; a write by another process (the file's ``vocabulary``
counter moved on otherwise than by this process's writes) loads it again. A word whose documents
were all deleted may linger until the next rebuild: it only costs a useless alternative.
``rapidfuzz`` computes Levenshtein distances over the words of a close length, in C.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from search.embedded_store import vocabulary_version

ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9
MAX_NEIGHBOURS = 8
_CACHE_SIZE = 4096


def allowed_typos(word: str) -> int:
    if any(char.isdigit() for char in word):
        return 0
    if len(word) >= TWO_TYPOS_FROM:
        return 2
    return 1 if len(word) >= ONE_TYPO_FROM else 0


class Vocabulary:
    """The words of one index file, by length, with a cache of neighbour look-ups."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._version = 0  # the file's upsert counter when the words were read
        self._by_length: dict[int, set[str]] = {}
        self._cache: dict[str, tuple[str, ...]] = {}

    def load(self, generation: int, connection: sqlite3.Connection) -> None:
        """Read the vocabulary of ``connection``'s file unless it is already that generation's
        at the file's present upsert counter (one primary-key read when it is)."""
        version = vocabulary_version(connection)
        with self._lock:
            if self._generation == generation and self._version == version:
                return
        # Read in one transaction with the counter, so that the words are those of ``version``.
        connection.execute("BEGIN")
        try:
            version = vocabulary_version(connection)
            words = [row[0] for row in connection.execute("SELECT term FROM fts_vocab")]
        finally:
            connection.execute("COMMIT")
        with self._lock:
            self._by_length = {}
            self._cache = {}
            self._add(words)
            self._generation = generation
            self._version = version

    def reset(self) -> None:
        with self._lock:
            self._generation = None

    def add(self, generation: int, version: int, words: Iterable[str]) -> None:
        """Words just written to ``generation``'s file by the upsert that made its counter
        ``version``; ignored if another file is loaded, or if another process wrote in between
        (the next ``load`` reads them all)."""
        with self._lock:
            if self._generation == generation and self._version == version - 1:
                self._version = version
                before = sum(len(bucket) for bucket in self._by_length.values())
                self._add(words)
                if sum(len(bucket) for bucket in self._by_length.values()) != before:
                    self._cache = {}

    def _add(self, words: Iterable[str]) -> None:
        for word in words:
            if len(word) >= ONE_TYPO_FROM - 2 and not any(char.isdigit() for char in word):
                self._by_length.setdefault(len(word), set()).add(word)

    def neighbours(self, word: str) -> tuple[str, ...]:
        """The closest words of the vocabulary within the typos ``word`` allows, itself excluded."""
        typos = allowed_typos(word)
        if typos == 0:
            return ()
        with self._lock:
            cached = self._cache.get(word)
            if cached is not None:
                return cached
            candidates = [
                candidate
                for length in range(len(word) - typos, len(word) + typos + 1)
                for candidate in self._by_length.get(length, ())
                if candidate != word
            ]
        found = process.extract(
            word, candidates, scorer=Levenshtein.distance, score_cutoff=typos, limit=MAX_NEIGHBOURS
        )
        ordered = sorted(found, key=lambda item: (item[1], item[0]))
        result = tuple(candidate for candidate, _distance, _index in ordered)
        with self._lock:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[word] = result
        return result
