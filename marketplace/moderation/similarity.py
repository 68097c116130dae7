"""How alike two listings read: the measure behind the repost delay (``moderation/reposts.py``).

Pure. The words are the search index's own terms (``search.language.analyse``: accents and case
folded, plurals folded, stop words dropped, sizes written one way, "très bon état" as "tbe"), the
synonyms of the index's groups (words and phrases: "buggy", "poussette canne") are brought to one
word, and two words match when they are equal or one typo apart as the index allows (one from 5
letters, two from 9). A title and a description are
compared as sets of words (Dice coefficient, a typo counting 0.9), and the listing's score leans on
the title, which is what a neighbour reads first and what a reposter copies.

``NEAR_IDENTICAL`` was measured on the cases of tests/integration/moderation/test_near_identical.py:
the 11 reposts there score 0.79 and above, the 8 different items by the same member 0.63 and
below; 0.7 leaves a margin of 0.07 on either side.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from search.language import analyse, normalise_text, synonym_groups, title_head
from search.typos import allowed_typos

NEAR_IDENTICAL = 0.7
TITLE_WEIGHT = 0.75  # the description's weight is the rest, when both listings have one
TYPO_MATCH = 0.9


@functools.cache
def _canonical_phrases() -> dict[tuple[str, ...], str]:
    """A synonym, as index terms -> one word for its group ("poussette canne", "buggy" -> the
    same), so that the phrases of a group read as one word does."""
    table: dict[tuple[str, ...], str] = {}
    for group in synonym_groups():
        phrases = [tuple(normalise_text(phrase).split()) for phrase in group]
        phrases = [phrase for phrase in phrases if phrase]
        if not phrases:
            continue
        canonical = "_".join(phrases[0])
        for phrase in phrases:
            table.setdefault(phrase, canonical)
    return table


@functools.cache
def _longest_phrase() -> int:
    return max((len(phrase) for phrase in _canonical_phrases()), default=1)


def words(text: str) -> frozenset[str]:
    """The distinct index terms of ``text``, the phrases of a synonym group brought to one word."""
    terms = [token.text for token in analyse(text or "")]
    phrases = _canonical_phrases()
    found: set[str] = set()
    index = 0
    while index < len(terms):
        for length in range(min(_longest_phrase(), len(terms) - index), 0, -1):
            canonical = phrases.get(tuple(terms[index : index + length]))
            if canonical is not None:
                found.add(canonical)
                index += length
                break
        else:
            found.add(terms[index])
            index += 1
    return frozenset(found)


def _word_match(word: str, others: frozenset[str]) -> float:
    if word in others:
        return 1.0
    budget = allowed_typos(word)
    if budget and any(Levenshtein.distance(word, other, score_cutoff=budget) <= budget for other in others):
        return TYPO_MATCH
    return 0.0


def dice(one: frozenset[str], other: frozenset[str]) -> float:
    """2·|shared| / (|one| + |other|), a typo-close word counting ``TYPO_MATCH``; 0 for two empties."""
    if not one or not other:
        return 0.0
    shared = sum(_word_match(word, other) for word in one) + sum(_word_match(word, one) for word in other)
    return shared / (len(one) + len(other))


def _sizes(terms: frozenset[str]) -> frozenset[str]:
    return frozenset(term for term in terms if any(char.isdigit() for char in term))


def title_similarity(title: str, other_title: str) -> float:
    """The titles' words, and their heads' (before "pour", "avec": "Habillage pluie pour poussette"
    is no poussette), half each. Titles naming sizes with none in common (6 mois, 12 mois; pointure
    24, 27) are different items: at most half."""
    mine, theirs = words(title), words(other_title)
    score = (dice(mine, theirs) + dice(words(title_head(title)), words(title_head(other_title)))) / 2
    if _sizes(mine) and _sizes(theirs) and not _sizes(mine) & _sizes(theirs):
        score = min(score, 0.5)
    return score


def similarity(title: str, description: str, other_title: str, other_description: str) -> float:
    """From 0 (nothing in common) to 1 (the same words)."""
    title_score = title_similarity(title, other_title)
    mine, theirs = words(description), words(other_description)
    if not mine or not theirs:
        return title_score
    return TITLE_WEIGHT * title_score + (1 - TITLE_WEIGHT) * dice(mine, theirs)


def near_identical(title: str, description: str, others: Sequence[tuple[str, str]]) -> list[int]:
    """The positions in ``others`` (title, description) that read as the same listing."""
    return [
        position
        for position, (other_title, other_description) in enumerate(others)
        if similarity(title, description, other_title, other_description) >= NEAR_IDENTICAL
    ]
