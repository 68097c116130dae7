"""A contract ``Query`` as SQL on the embedded index: the FTS5 expression, filters, order, facets.

Every value a reader sends is a bound parameter (lists as one JSON array read by ``json_each``),
and every FTS5 term is a quoted token made only of letters and digits, so no input can change the
meaning of a statement or of a MATCH expression.

Ranking for relevance: first the documents that match without typos, then by BM25 with the column
weights of ``data/settings.json`` (the title's head, before "pour"/"avec", weighs most), then the
newest. A price sort counts a missing price (a gift, a wanted) as 0 and keeps the typo tier first.
"""

# ruff: noqa: S608  (column and facet names come from constants and enums; values are bound)

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from search.contract import MAX_FILTER_VALUES, Facet, Filters, InvalidQuery, Query, Sort
from search.embedded_store import COLUMNS, MULTI_FIELDS
from search.language import QueryTerm, index_settings


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


@dataclass(frozen=True)
class TextMatch:
    """The MATCH expressions of a text query: ``exact`` (no typo) and ``tolerant`` (with typos)."""

    exact: str
    tolerant: str
    terms: frozenset[str] = field(default_factory=frozenset)
    prefixes: tuple[str, ...] = ()


def text_match(terms: Sequence[QueryTerm], neighbours: dict[str, tuple[str, ...]]) -> TextMatch:
    """The FTS5 expressions for ``terms``, ``neighbours`` giving each word's typo alternatives.

    A term is ``((word1 OR its typos) AND (word2 OR ...)) OR "synonym phrase" OR ...``; in the
    ``exact`` expression the typos, and the synonyms reached through a typo, are left out."""
    exact_parts: list[str] = []
    tolerant_parts: list[str] = []
    words: set[str] = set()
    prefixes: list[str] = []
    for term in terms:
        exact_words: list[str] = []
        tolerant_words: list[str] = []
        for position, word in enumerate(term.words):
            alternatives = [_quote(word)]
            if term.prefix and position == len(term.words) - 1:
                alternatives.append(_quote(word) + "*")
                prefixes.append(word)
            typos = neighbours.get(word, ())
            words.update(typos)
            exact_words.append("(" + " OR ".join(alternatives) + ")")
            tolerant_words.append("(" + " OR ".join([*alternatives, *map(_quote, typos)]) + ")")
        # One quoted string is a phrase: its tokens must follow each other in one column.
        synonyms = [_quote(" ".join(phrase)) for phrase in term.synonyms]
        typo_synonyms = [_quote(" ".join(phrase)) for phrase in term.typo_synonyms]
        words.update(term.tokens)
        words.update(*term.typo_synonyms)
        exact_parts.append("(" + " OR ".join(["(" + " AND ".join(exact_words) + ")", *synonyms]) + ")")
        tolerant_parts.append(
            "(" + " OR ".join(["(" + " AND ".join(tolerant_words) + ")", *synonyms, *typo_synonyms]) + ")"
        )
    return TextMatch(
        " AND ".join(exact_parts), " AND ".join(tolerant_parts), frozenset(words), tuple(prefixes)
    )


def _strings(name: str, values: Sequence[Any]) -> list[str]:
    if isinstance(values, str):
        values = (values,)
    if len(values) > MAX_FILTER_VALUES:
        raise InvalidQuery(f"{name}: too many values")
    checked: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise InvalidQuery(f"{name}: values are strings")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidQuery(f"{name}: not valid text") from error
        # SQLite's JSON functions end a string at NUL ("a\x00b" would compare as "a"): removed, as
        # the Meilisearch backend removes it.
        checked.append(value.replace("\x00", ""))
    return checked


def _price(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidQuery(f"{name}: not a number")
    return float(value)


_SINGLE_FILTERS: tuple[tuple[str, str], ...] = (
    ("kinds", "kind"),
    ("statuses", "status"),
    ("conditions", "condition"),
    ("genders", "gender"),
    ("pickup_areas", "pickup_area"),
    ("listing_ids", "id"),
)
_MULTI_FILTERS: tuple[tuple[str, str], ...] = (
    ("category_ids", "category_ids"),
    ("sizes", "size"),
    ("shoe_sizes", "shoe_size"),
)


def filter_clause(query: Query) -> tuple[str, list[Any]]:
    """The WHERE conditions on ``docs d`` for the query's scope and filters, with parameters."""
    filters: Filters = query.filters
    conditions = ["d.community_id IN (SELECT value FROM json_each(?))"]
    parameters: list[Any] = [json.dumps(_strings("community_ids", query.community_ids))]
    for attribute, column in _SINGLE_FILTERS:
        values = _strings(attribute, getattr(filters, attribute))
        if values:
            conditions.append(f"d.{column} IN (SELECT value FROM json_each(?))")
            parameters.append(json.dumps(values))
    for attribute, field_name in _MULTI_FILTERS:
        values = _strings(attribute, getattr(filters, attribute))
        if values:
            conditions.append(
                "EXISTS (SELECT 1 FROM doc_values v WHERE v.doc = d.rowid AND v.field = ? "
                "AND v.value IN (SELECT value FROM json_each(?)))"
            )
            parameters.extend((field_name, json.dumps(values)))
    minimum = _price("min_price", filters.min_price)
    if minimum is not None:
        conditions.append("coalesce(d.price, 0) >= ?")
        parameters.append(minimum)
    maximum = _price("max_price", filters.max_price)
    if maximum is not None:
        conditions.append("coalesce(d.price, 0) <= ?")
        parameters.append(maximum)
    return " AND ".join(conditions), parameters


def _weights() -> str:
    weights = index_settings()["columnWeights"]
    return ", ".join(str(float(weights[column])) for column in COLUMNS)


_BM25 = f"bm25(fts, {_weights()})"


def _scope_only(filters: Filters) -> bool:
    """Whether the filters narrow by community and status alone (what facet_counts is kept by)."""
    return not any(
        getattr(filters, name)
        for name in (
            "category_ids",
            "kinds",
            "sizes",
            "shoe_sizes",
            "conditions",
            "genders",
            "pickup_areas",
            "listing_ids",
        )
    ) and (filters.min_price is None and filters.max_price is None)


def _kept_counts(query: Query) -> tuple[str, list[Any]]:
    """The total and facets of a browse without text, from the counts the writes keep."""
    scope = "community_id IN (SELECT value FROM json_each(?))"
    parameters: list[Any] = [json.dumps(_strings("community_ids", query.community_ids))]
    statuses = _strings("statuses", query.filters.statuses)
    if statuses:
        scope += " AND status IN (SELECT value FROM json_each(?))"
        parameters.append(json.dumps(statuses))
    wanted = list(dict.fromkeys(Facet(item).value for item in query.facets))
    total = f"SELECT '', '', coalesce((SELECT sum(count) FROM facet_counts WHERE {scope} AND field = ''), 0)"
    if not wanted:
        return total, parameters
    facets = (
        f"SELECT field, value, sum(count) FROM facet_counts WHERE {scope} "
        "AND field IN (SELECT value FROM json_each(?)) GROUP BY field, value HAVING sum(count) > 0"
    )
    return f"{total} UNION ALL {facets}", [*parameters, *parameters, json.dumps(wanted)]


@dataclass(frozen=True)
class Statements:
    """The two statements of one search: the page of hits, and the count with the facets.

    When ``listed``, the count statement lists the matches (rowid, then the ``singles`` columns)
    and ``counted`` counts them, with one more statement for the multi-valued facets."""

    hits: str
    hit_parameters: list[Any]
    counts: str
    count_parameters: list[Any]
    listed: bool = False
    singles: tuple[str, ...] = ()
    multi: tuple[str, ...] = ()


# The multi-valued facets of listed matches: their rowids walk doc_values by its primary key.
_MULTI_COUNTS = (
    "SELECT v.field, v.value, count(*) FROM json_each(?) j CROSS JOIN doc_values v "
    "ON v.doc = j.value AND v.field IN (SELECT value FROM json_each(?)) GROUP BY v.field, v.value"
)


def counted(connection: sqlite3.Connection, plan: Statements) -> list[tuple[str, str, int]]:
    """The total (first row, as ``('', '', total)``) then ``(facet, value, count)`` rows."""
    rows = connection.execute(plan.counts, plan.count_parameters).fetchall()
    if not plan.listed:
        return [(str(field), str(value), int(count)) for field, value, count in rows]
    out: list[tuple[str, str, int]] = [("", "", len(rows))]
    for position, name in enumerate(plan.singles, start=1):
        tally = Counter(row[position] for row in rows if row[position] is not None)
        out.extend((name, str(value), count) for value, count in sorted(tally.items()))
    if plan.multi and rows:
        parameters = [json.dumps([row[0] for row in rows]), json.dumps(list(plan.multi))]
        out.extend(connection.execute(_MULTI_COUNTS, parameters).fetchall())
    return out


def statements(query: Query, match: TextMatch | None) -> Statements:
    where, parameters = filter_clause(query)
    sort = Sort(query.sort)
    offset = (query.page - 1) * query.per_page
    if match is None:
        source, source_parameters = f"docs d WHERE {where}", parameters
        order = {
            Sort.RELEVANCE: "d.published_at DESC, d.id",
            Sort.NEWEST: "d.published_at DESC, d.id",
            Sort.PRICE_ASC: "coalesce(d.price, 0) ASC, d.published_at DESC, d.id",
            Sort.PRICE_DESC: "coalesce(d.price, 0) DESC, d.published_at DESC, d.id",
        }[sort]
        # The page's rowids first (sorted in the index, without the bodies), then their bodies:
        # sorting 14,000 whole bodies for a group's first page took 42 ms at 100,000 listings.
        page = f"SELECT d.rowid FROM {source} ORDER BY {order} LIMIT ? OFFSET ?"
        hits = f"SELECT d.rowid, d.body FROM docs d WHERE d.rowid IN ({page}) ORDER BY {order}"
        hit_parameters = [*source_parameters, query.per_page, offset]
    else:
        source = f"fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? AND {where}"
        source_parameters = [match.tolerant, *parameters]
        tier = "(d.rowid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?))"
        then = {
            Sort.RELEVANCE: f"{_BM25}, d.published_at DESC, d.id",
            Sort.NEWEST: "d.published_at DESC, d.id",
            Sort.PRICE_ASC: f"coalesce(d.price, 0) ASC, {_BM25}, d.id",
            Sort.PRICE_DESC: f"coalesce(d.price, 0) DESC, {_BM25}, d.id",
        }[sort]
        typo_tier = match.tolerant != match.exact
        order = f"{tier}, {then}" if typo_tier else then
        hits = f"SELECT d.rowid, d.body FROM {source} ORDER BY {order} LIMIT ? OFFSET ?"
        hit_parameters = [*source_parameters, *([match.exact] if typo_tier else []), query.per_page, offset]
    if match is None and _scope_only(filters=query.filters):
        counted = _kept_counts(query)
        return Statements(hits, hit_parameters, counted[0], counted[1])
    # The matches are listed once, with the single-valued facet columns beside their rowid, and
    # counted in Python; the multi-valued facets walk doc_values from the listed rowids. (One
    # compound statement counting every facet from a materialized list cost SQLite 3.40 some
    # 35 ms whatever the number of matches, against under 1 ms for these two.)
    wanted = list(dict.fromkeys(Facet(item).value for item in query.facets))
    singles = tuple(name for name in wanted if name not in MULTI_FIELDS)
    multi = tuple(name for name in wanted if name in MULTI_FIELDS)
    listed = ", ".join(["d.rowid", *(f"d.{name}" for name in singles)])
    return Statements(
        hits,
        hit_parameters,
        f"SELECT {listed} FROM {source}",
        list(source_parameters),
        listed=True,
        singles=singles,
        multi=multi,
    )
