"""Highlighted snippets: the original text HTML-escaped, the words that matched in ``<mark>``.

A word matched when its index term (``search.language.analyse``) is one the query looked for, or
starts with the query's last word while it is being typed. Nothing but ``<mark>`` and ``</mark>``
is ever left unescaped.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from search.language import analyse

SNIPPET_CHARS = 180


@dataclass(frozen=True)
class Matcher:
    """The terms a query looked for: exact terms, and prefixes (the last word being typed)."""

    terms: frozenset[str]
    prefixes: tuple[str, ...] = ()

    def matches(self, term: str) -> bool:
        return term in self.terms or any(term.startswith(prefix) for prefix in self.prefixes)


def _spans(text: str, matcher: Matcher) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for token in analyse(text, document=True):
        if matcher.matches(token.text):
            if spans and token.start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], token.end))
            else:
                spans.append((token.start, token.end))
    return spans


def _render(text: str, spans: Sequence[tuple[int, int]], start: int, end: int) -> str:
    parts: list[str] = []
    position = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(html.escape(text[position:span_start]))
        parts.append(f"<mark>{html.escape(text[span_start:span_end])}</mark>")
        position = span_end
    parts.append(html.escape(text[position:end]))
    return "".join(parts)


def highlight(text: str, matcher: Matcher) -> str:
    """All of ``text``, escaped, matched words marked."""
    return _render(text, _spans(text, matcher), 0, len(text))


def snippet(text: str, matcher: Matcher, length: int = SNIPPET_CHARS) -> str:
    """About ``length`` characters of ``text`` around its first match (its start when nothing
    matched), cut at word boundaries, with "…" where text was cut; escaped, matches marked."""
    if len(text) <= length:
        return highlight(text, matcher)
    spans = _spans(text, matcher)
    first = spans[0][0] if spans else 0
    start = max(0, first - length // 3)
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and first - space < length // 2 else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    rendered = _render(text, spans, start, end).strip()
    return ("…" if start > 0 else "") + rendered + ("…" if end < len(text) else "")


def matcher_of(terms: Collection[str], prefixes: Sequence[str] = ()) -> Matcher:
    return Matcher(frozenset(terms), tuple(prefixes))
