"""How neighbours write French listings, turned into the tokens both backends match on.

One pipeline serves the index and the query, so that they always agree:

1. split the text into words (letters and digits; hyphens and apostrophes separate words), each
   word remembering where it came from in the original text (for highlighting);
2. fold each word: accents off, lower case, ligatures spelled out ("Œuf" is "oeuf");
3. fold French plurals lightly (``plural_fold``: -s, -x after a vowel pair, -aux to -al);
4. rewrite notations into one token: spelling variants ("tee-shirt" is "tshirt"), abbreviations
   ("très bon état" is "tbe", "manches longues" is "ml") and sizes ("18m", "18 mois" are
   "18mois"; "4a", "4 ans" are "4ans"; "T38", "taille 38" are "t38"; "P24", "pointure 24" are
   "p24");
5. drop stop words (elided articles included: "l'écharpe" is "echarpe").

Documents get one more thing: a size token is followed by its bare number ("p24 24"), so that
"bottes 24" finds "bottes pointure 24" while "p24" stays precise.

The linguistic data lives in ``search/data`` (see ``search/README.md``); this module loads it once.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rapidfuzz.distance import Levenshtein

from search.typos import allowed_typos

MAX_QUERY_CHARS = 1000
"""Longer query text is cut: nobody types more, and it bounds the work of a hostile query."""
MAX_QUERY_TERMS = 10
"""As Meilisearch does, only the first ten words of a query count."""
MAX_WORD_CHARS = 64

_WORD = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ﬁ": "fi", "ﬂ": "fl"})
# Words whose final -s or -x is not a plural: folding them would only make highlights odd.
_NOT_PLURALS = frozenset(
    [
        "mois",
        "fois",
        "bois",
        "pois",
        "souris",
        "tapis",
        "velours",
        "gris",
        "dos",
        "repos",
        "temps",
        "corps",
        "pays",
        "prix",
        "jus",
        "bus",
        "tennis",
        "parapluie",
        "vis",
        "avis",
        "colis",
        "cas",
        "ours",
        "puis",
        "sans",
        "sous",
        "dans",
        "tres",
        "plus",
        "moins",
        "apres",
        "depuis",
        "jamais",
        "mais",
        "toujours",
        "alors",
        "lors",
        "pres",
        "ans",
        "hors",
        "kids",
    ]
)
# -aux whose singular is -au, not -al.
_AU_PLURALS = frozenset(["tuyaux", "noyaux", "boyaux", "joyaux", "landaux", "sarraus"])


@dataclass(frozen=True, slots=True)
class Token:
    """One index term and the span of the original text it stands for."""

    text: str
    start: int
    end: int


def fold(word: str) -> str:
    """Accents off, lower case, ligatures spelled out: "Écharpe" is "echarpe"."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def plural_fold(word: str) -> str:
    """A light French plural folding, applied to folded words: "chevaux" is "cheval", "jeux" is
    "jeu", "bateaux" is "bateau", "poussettes" is "poussette". It is not a stemmer: verbs and
    feminines stay as they are, which keeps "pousse" apart from "poussette"."""
    if len(word) <= 3 or word in _NOT_PLURALS or word.isdigit():
        return word
    if word.endswith("eaux"):
        return word[:-1]
    if word.endswith("aux"):
        return word[:-1] if word in _AU_PLURALS else word[:-3] + "al"
    if word.endswith("x") and word[-3:-1] in ("eu", "au", "ou"):
        return word[:-1]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=65_536)
def _word_terms(word: str) -> tuple[str, ...]:
    """The folded terms of one word of the text (cached: listings reuse few words, and this is
    the costly part of analysing the text of every hit to highlight it)."""
    # Folding may reveal separators (a decomposed symbol): keep the word's letters and digits.
    return tuple(plural_fold(part[:MAX_WORD_CHARS]) for part in _WORD.findall(fold(word)))


def _raw_tokens(text: str) -> Iterator[Token]:
    for match in _WORD.finditer(text):
        for term in _word_terms(match.group()):
            yield Token(term, match.start(), match.end())


def _data(name: str) -> str:
    return resources.files("search").joinpath("data", name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in _data(name).splitlines())
    return [line for line in lines if line]


def _json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_data(name))
    return loaded


def _key(phrase: str) -> tuple[str, ...]:
    """A phrase of the data files as the token sequence the pipeline produces before rewriting."""
    return tuple(token.text for token in _raw_tokens(phrase))


@functools.cache
def stop_words() -> frozenset[str]:
    """The folded French stop words (``data/stop_words.txt``), elided articles included."""
    return frozenset(_lines("stop_words.txt"))


@functools.cache
def title_markers() -> frozenset[str]:
    """Words after which a title names what the item goes with ("pour", "avec", "contre")."""
    return frozenset(_key(word)[0] for word in _lines("title_markers.txt"))


@functools.cache
def _rewrites() -> dict[tuple[str, ...], str]:
    """Token sequences of variants and abbreviations -> the one token they become."""
    table: dict[tuple[str, ...], str] = {}
    for canonical, forms in _json("variants.json").items():
        if not canonical.startswith("_"):
            for form in forms:
                table[_key(form)] = canonical
    for canonical, forms in _json("abbreviations.json")["phrases"].items():
        for form in forms:
            table[_key(form)] = canonical
    table.pop((), None)
    return table


@functools.cache
def _longest_rewrite() -> int:
    return max(len(key) for key in _rewrites())


@functools.cache
def _rewrite_starts() -> frozenset[str]:
    """The tokens a rewrite can start with: no other token needs looking up."""
    return frozenset(key[0] for key in _rewrites())


_SIZE_WORDS = frozenset(("taille", "pointure", "pt"))


@functools.cache
def condition_texts() -> dict[str, str]:
    """What a condition slug means in words ("tres_bon_etat" is "très bon état"), indexed with
    the listing so that "tbe" or "neuf" find it."""
    conditions: dict[str, str] = _json("abbreviations.json")["conditions"]
    return conditions


_MONTHS = re.compile(r"^(\d{1,2})(?:m|mois)$")
_YEARS = re.compile(r"^(\d{1,2})(?:a|an|ans)$")
_TAILLE = re.compile(r"^t(\d{2,3})$")
_POINTURE = re.compile(r"^(?:p|pt)(\d{2})$")
_NUMBER = re.compile(r"^\d{1,3}$")
_AGE_UNITS = frozenset(("mois", "an", "ans"))


def _age(months: int) -> str:
    # The size scale writes "24 mois" and "2 ans" for the same size, "12 mois" for "1 an".
    if months >= 24 and months % 12 == 0:
        return f"{months // 12}ans"
    return f"{months}mois"


def _size_token(tokens: Sequence[Token], index: int) -> tuple[str, int] | None:
    """The size notation starting at ``tokens[index]``: (canonical token, tokens consumed)."""
    word = tokens[index].text
    following = tokens[index + 1].text if index + 1 < len(tokens) else ""
    after = tokens[index + 2].text if index + 2 < len(tokens) else ""
    if _NUMBER.match(word) and len(word) <= 2:
        if following == "mois":
            return _age(int(word)), 2
        if following in ("an", "ans"):
            return _years(int(word)), 2
    if (match := _MONTHS.match(word)) is not None:
        return _age(int(match.group(1))), 1
    if (match := _YEARS.match(word)) is not None:
        return _years(int(match.group(1))), 1
    if word == "taille" and _NUMBER.match(following) and len(following) >= 2 and after not in _AGE_UNITS:
        return f"t{following}", 2
    if word in ("pointure", "pt") and _NUMBER.match(following) and len(following) == 2:
        return f"p{following}", 2
    if (match := _TAILLE.match(word)) is not None:
        return f"t{match.group(1)}", 1
    if (match := _POINTURE.match(word)) is not None:
        return f"p{match.group(1)}", 1
    return None


def _years(years: int) -> str:
    return _age(12) if years == 1 else f"{years}ans"


def _size_number(token: str) -> str | None:
    """The bare number a canonical size token also answers to in documents ("p24" -> "24")."""
    for prefix in ("t", "p"):
        if token.startswith(prefix) and token[1:].isdigit():
            return token[1:]
    for suffix in ("mois", "ans"):
        if token.endswith(suffix) and token[: -len(suffix)].isdigit():
            return token[: -len(suffix)]
    return None


def analyse(text: str, *, document: bool = False) -> list[Token]:
    """The index terms of ``text``, in order, each with its span in ``text``.

    ``document=True`` adds each size's bare number after it ("pointure 24" -> "p24", "24")."""
    raw = list(_raw_tokens(text))
    rewrites = _rewrites()
    longest = _longest_rewrite()
    starts = _rewrite_starts()
    stops = stop_words()
    out: list[Token] = []
    index = 0
    while index < len(raw):
        replaced = False
        word = raw[index].text
        lengths = range(min(longest, len(raw) - index), 0, -1) if word in starts else ()
        for length in lengths:
            canonical = rewrites.get(tuple(token.text for token in raw[index : index + length]))
            if canonical is not None:
                out.append(Token(canonical, raw[index].start, raw[index + length - 1].end))
                index += length
                replaced = True
                break
        if replaced:
            continue
        size = _size_token(raw, index) if word in _SIZE_WORDS or not word.isalpha() else None
        if size is not None:
            canonical, consumed = size
            span = Token(canonical, raw[index].start, raw[index + consumed - 1].end)
            out.append(span)
            number = _size_number(canonical)
            if document and number is not None:
                out.append(Token(number, span.start, span.end))
            index += consumed
            continue
        token = raw[index]
        if token.text not in stops:
            out.append(token)
        index += 1
    return out


def normalise_text(text: str, *, document: bool = False) -> str:
    """``text`` as its index terms joined by spaces: what a backend indexes or matches.

    >>> normalise_text("L'écharpe de portage, TBE, taille 4a")
    'echarpe portage tbe 4ans'
    """
    return " ".join(token.text for token in analyse(text, document=document))


def title_head(title: str) -> str:
    """The words of a title before the first marker of an accessory ("pour", "avec", "contre"):
    "Habillage pluie pour poussette" -> "Habillage pluie". The whole title when it has none, or
    when it starts with one."""
    markers = title_markers()
    for match in _WORD.finditer(title):
        if plural_fold(fold(match.group())) in markers and title[: match.start()].strip():
            return title[: match.start()].rstrip(" ,;:-–(")
    return title


# --- Queries --------------------------------------------------------------------------------


@functools.cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The synonym groups of ``data/synonyms.json`` as written (folded French phrases).

    Meilisearch takes them as they are (``meilisearch_synonyms``); the embedded backend matches
    their normalised token sequences as phrases (``expand_query``)."""
    groups = _json("synonyms.json")["groups"]
    return tuple(tuple(group) for group in groups if len(group) > 1)


@functools.cache
def _synonym_phrases() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Normalised phrase -> every normalised phrase of its groups (itself included)."""
    table: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for group in synonym_groups():
        phrases = {tuple(normalise_text(phrase).split()) for phrase in group} - {()}
        for phrase in phrases:
            table.setdefault(phrase, set()).update(phrases)
    return {key: tuple(sorted(value)) for key, value in table.items()}


def meilisearch_synonyms() -> dict[str, list[str]]:
    """The synonym groups in Meilisearch's ``synonyms`` setting shape (each form -> the others)."""
    synonyms: dict[str, list[str]] = {}
    for group in synonym_groups():
        for phrase in group:
            others = [other for other in group if other != phrase]
            synonyms.setdefault(phrase, [])
            synonyms[phrase].extend(other for other in others if other not in synonyms[phrase])
    return synonyms


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One position of a query: the words the reader typed there, and their synonyms.

    A document matches the term when it has every word of ``words`` (each with its typos; the
    last one as a prefix when ``prefix`` is set), or one of the ``synonyms`` phrases as written
    (words in that order, in one field). This is how Meilisearch reads a query whose words
    have synonyms, so that both backends find the same listings.

    ``typo_synonyms`` are the phrases of the synonym group of a phrase the typed words are a typo
    of ("gigoteuze" is "gigoteuse": "turbulette"...), the phrase itself included: they match with
    typo tolerance only (ranked with the typos, after what was typed). Meilisearch 1.21 applies
    synonyms to the exact words only, so it does not find those."""

    words: tuple[str, ...]
    synonyms: tuple[tuple[str, ...], ...] = ()
    prefix: bool = False
    typo_synonyms: tuple[tuple[str, ...], ...] = ()

    @property
    def tokens(self) -> frozenset[str]:
        """Every token the term may match as written (typed words and synonym words)."""
        return frozenset(self.words).union(*self.synonyms)


def expand_query(text: str) -> list[QueryTerm]:
    """The terms of a query, synonyms expanded, at most ``MAX_QUERY_TERMS``; the last word is a
    prefix unless the text ends with a space or punctuation (the word is finished).

    Words that are not a synonym phrase but a typo of one (within the typos each typed word
    allows, as in ``search.typos``) get that phrase's group as ``typo_synonyms``.

    >>> expand_query("lave linge")
    [QueryTerm(words=('lave', 'linge'), synonyms=(('machine', 'laver'),), prefix=True, typo_synonyms=())]
    """
    text = text[:MAX_QUERY_CHARS]
    tokens = [token.text for token in analyse(text)][: MAX_QUERY_TERMS * 2]
    phrases = _synonym_phrases()
    longest = max((len(key) for key in phrases), default=1)
    terms: list[QueryTerm] = []
    index = 0
    while index < len(tokens) and len(terms) < MAX_QUERY_TERMS:
        for length in range(min(longest, len(tokens) - index), 0, -1):
            key = tuple(tokens[index : index + length])
            if key in phrases:
                others = tuple(phrase for phrase in phrases[key] if phrase != key)
                terms.append(QueryTerm(key, others))
                index += length
                break
        else:
            near = _phrase_near(tokens, index)
            if near is None:
                terms.append(QueryTerm((tokens[index],)))
                index += 1
            else:
                typed = tuple(tokens[index : index + len(near)])
                terms.append(QueryTerm(typed, typo_synonyms=phrases[near]))
                index += len(near)
    finished = not text or not _WORD.match(text[-1])
    if terms and not finished:
        last = terms[-1]
        terms[-1] = QueryTerm(last.words, last.synonyms, prefix=True, typo_synonyms=last.typo_synonyms)
    return terms


@functools.cache
def _phrases_by_length() -> dict[int, tuple[tuple[str, ...], ...]]:
    by_length: dict[int, list[tuple[str, ...]]] = {}
    for phrase in _synonym_phrases():
        by_length.setdefault(len(phrase), []).append(phrase)
    return {length: tuple(sorted(phrases)) for length, phrases in by_length.items()}


def _phrase_near(tokens: Sequence[str], index: int) -> tuple[str, ...] | None:
    """The synonym phrase the tokens from ``index`` are a typo of: the longest, then the one
    with the fewest typos (each typed word within the typos its length allows), or None."""
    for length in sorted(_phrases_by_length(), reverse=True):
        typed = tokens[index : index + length]
        if len(typed) < length:
            continue
        allowed = [allowed_typos(word) for word in typed]
        best: tuple[int, tuple[str, ...]] | None = None
        for phrase in _phrases_by_length()[length]:
            total = 0
            for word, candidate, typos in zip(typed, phrase, allowed, strict=True):
                distance = Levenshtein.distance(word, candidate, score_cutoff=typos)
                if distance > typos:
                    break
                total += distance
            else:
                if total and (best is None or total < best[0]):
                    best = (total, phrase)
        if best is not None:
            return best[1]
    return None


# --- Settings -------------------------------------------------------------------------------


@functools.cache
def _settings() -> dict[str, Any]:
    return _json("settings.json")


def index_settings() -> dict[str, Any]:
    """The index settings of ``data/settings.json`` (Meilisearch's shape) with the synonyms and
    stop words of the other data files; ``columnWeights`` is the embedded backend's BM25 weight
    per searchable attribute (Meilisearch ignores it: its "attribute" rule uses the order)."""
    settings = json.loads(json.dumps(_settings()))
    settings["synonyms"] = meilisearch_synonyms()
    settings["stopWords"] = sorted(stop_words())
    return settings


def meilisearch_settings() -> dict[str, Any]:
    """``index_settings()`` without what only the embedded backend reads."""
    settings = index_settings()
    settings.pop("columnWeights", None)
    return settings
