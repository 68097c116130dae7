"""French first, English available.

Messages are written in French in the code and templates (the ``msgid`` is the French text), so a
string that lacks a translation still reads right to the collective; ``locale/en`` holds English.
The language of a request is the visitor's choice (``lang`` cookie), else the first of French or
English in Accept-Language, else French. It lives in a context variable, so services can raise
errors in the reader's language without knowing about requests.
"""

from __future__ import annotations

import gettext as gettext_module
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# Babel locales for dates, numbers and currencies: British English, not the US default.
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


class FrenchSource(gettext_module.NullTranslations):
    """The French of the source, which needs no catalogue, with French plurals: 0 and 1 are
    singular ("0 personne inscrite"), where the English rule gettext falls back on says plural."""

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return msgid1 if n <= 1 else msgid2


@cache
def _translations(language: str) -> gettext_module.NullTranslations:
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE:
        return FrenchSource()
    if not po_file.exists():
        return gettext_module.NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext_module.GNUTranslations(compiled)


def gettext(message: str, **variables: object) -> str:
    """``message`` in the current language, with ``%(name)s`` placeholders filled."""
    translated = _translations(current_language.get()).gettext(message)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    translated = _translations(current_language.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return translated % variables


_ = gettext


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined (in a table, say); it is translated
    with ``gettext`` where it is shown, in the reader's language."""
    return message


def babel_locale() -> str:
    """The Babel locale of the current language (formats dates, prices, durations)."""
    return BABEL_LOCALES[current_language.get()]


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE
