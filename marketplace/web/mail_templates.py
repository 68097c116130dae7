"""What every e-mail of the site is written with: the reader's language for a block, and the
Jinja2 environment of ``templates/emails`` with the translations installed.

Part of the foundation: accounts (the earliest domain) and notifications both write e-mails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import jinja2

from marketplace.web.i18n import LANGUAGES, current_language, ngettext
from marketplace.web.i18n import gettext as _


@contextmanager
def in_language(language: str) -> Iterator[str]:
    """Translations in ``language`` (French if unknown) for the length of the block."""
    chosen = language if language in LANGUAGES else "fr"
    reset = current_language.set(chosen)
    try:
        yield chosen
    finally:
        current_language.reset(reset)


@cache
def mail_environment(directory: Path) -> jinja2.Environment:
    """The templates of ``directory / "emails"``, HTML ones escaped, ``_()`` and ``ngettext()`` in."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory / "emails"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    env.install_gettext_callables(_, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env
