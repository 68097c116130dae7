"""Documents into the embedded index's tables: what each searchable column holds, and the writes.

The searchable columns hold the normalised text (``search.language``): the FTS5 tokenizer then
only splits on spaces, so the index and the query agree on every notation, plural and accent.
``title_head`` repeats the words of the title before "pour"/"avec"/"contre", which is how an item
outranks the accessories that merely mention it.
"""

# ruff: noqa: S608  (column names are the module constants; values are bound)

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from search.contract import Document
from search.embedded_store import COLUMNS, MULTI_FIELDS, SINGLE_FIELDS, adjust_counts, bump_vocabulary
from search.language import condition_texts, normalise_text, title_head

_ATTRIBUTE_KEYS = ("brand", "gender", "season")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(_text(item) for item in value)
    return str(value)


def _values(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return sorted({str(item) for item in value if item is not None and item != ""})
    return [str(value)]


def attributes_text(document: Document) -> str:
    """The attributes a reader may type: brand, sizes as written, gender, season, condition."""
    attributes = document.get("attributes") or {}
    parts = [_text(document.get(key) or attributes.get(key)) for key in _ATTRIBUTE_KEYS]
    size = attributes.get("size") or document.get("size")
    if size:
        parts.append(f"taille {_text(size)}")
    shoe_size = attributes.get("shoe_size") or document.get("shoe_size")
    if shoe_size:
        parts.append(f"pointure {_text(shoe_size)}")
    condition = document.get("condition")
    if condition:
        parts.append(condition_texts().get(str(condition), str(condition).replace("_", " ")))
    return " ".join(part for part in parts if part)


def searchable_columns(document: Document) -> tuple[str, ...]:
    """The normalised text of each column of ``COLUMNS`` for ``document``."""
    title = _text(document.get("title"))
    raw = {
        "title_head": title_head(title),
        "title": title,
        "attributes_text": attributes_text(document),
        "category": _text(document.get("category")),
        "description": _text(document.get("description")),
        "wanted_in_exchange": _text(document.get("wanted_in_exchange")),
        "pickup_area": _text(document.get("pickup_area")),
    }
    return tuple(normalise_text(raw[column], document=True) for column in COLUMNS)


def _price(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    price = float(value)
    return price if math.isfinite(price) else None


def _published_at(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def upsert(connection: sqlite3.Connection, documents: Sequence[Document]) -> set[str]:
    """Write ``documents`` in one transaction, each replacing any document with its id; a batch
    that names an id twice keeps the last; counts one more upsert in ``meta`` (what the typo
    vocabularies of other processes notice). Answers the index terms written."""
    latest = {str(document["id"]): document for document in documents}
    words: set[str] = set()
    connection.execute("BEGIN IMMEDIATE")
    try:
        _delete(connection, list(latest))
        rowids: list[int] = []
        for document_id, document in latest.items():
            rowid, columns = _insert(connection, document_id, document)
            rowids.append(rowid)
            for column in columns:
                words.update(column.split())
        adjust_counts(connection, rowids, 1)
        bump_vocabulary(connection)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return words


def _insert(
    connection: sqlite3.Connection, document_id: str, document: Document
) -> tuple[int, tuple[str, ...]]:
    singles = [_values(document.get(field)) for field in SINGLE_FIELDS]
    cursor = connection.execute(
        f"INSERT INTO docs (id, {', '.join(SINGLE_FIELDS)}, price, published_at, body) "
        f"VALUES (?, {', '.join('?' for _ in SINGLE_FIELDS)}, ?, ?, ?)",
        (
            document_id,
            *(values[0] if values else None for values in singles),
            _price(document.get("price")),
            _published_at(document.get("published_at")),
            json.dumps(dict(document), ensure_ascii=False, default=str),
        ),
    )
    rowid = int(cursor.lastrowid or 0)
    connection.executemany(
        "INSERT OR IGNORE INTO doc_values (doc, field, value) VALUES (?, ?, ?)",
        [(rowid, field, value) for field in MULTI_FIELDS for value in _values(document.get(field))],
    )
    columns = searchable_columns(document)
    connection.execute(
        f"INSERT INTO fts (rowid, {', '.join(COLUMNS)}) VALUES (?, {', '.join('?' for _ in COLUMNS)})",
        (rowid, *columns),
    )
    return rowid, columns


def delete(connection: sqlite3.Connection, ids: Iterable[str]) -> None:
    """Remove these ids in one transaction; missing ids are no error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        _delete(connection, [str(item) for item in ids])
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _delete(connection: sqlite3.Connection, ids: list[str]) -> None:
    if not ids:
        return
    rowids = [
        row[0]
        for row in connection.execute(
            "SELECT rowid FROM docs WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
        )
    ]
    if not rowids:
        return
    adjust_counts(connection, rowids, -1)
    chosen = json.dumps(rowids)
    connection.execute("DELETE FROM fts WHERE rowid IN (SELECT value FROM json_each(?))", (chosen,))
    connection.execute("DELETE FROM doc_values WHERE doc IN (SELECT value FROM json_each(?))", (chosen,))
    connection.execute("DELETE FROM docs WHERE rowid IN (SELECT value FROM json_each(?))", (chosen,))


def document_count(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT count(*) FROM docs").fetchone()[0])
