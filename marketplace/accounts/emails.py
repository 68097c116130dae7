"""E-mail addresses compared and stored in one form, everywhere: registration, login, tokens, throttling."""

from __future__ import annotations

import unicodedata


def normalise_email(email: str) -> str:
    """Trimmed, Unicode NFKC, case-folded: `` Nadia@Example.org`` and ``nadia@example.org`` are one."""
    return unicodedata.normalize("NFKC", str(email or "")).strip().casefold()
