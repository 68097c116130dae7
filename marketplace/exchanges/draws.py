"""The fair draw, pure: who may enter, and who wins, in a way anyone can recompute.

Algorithm (recorded with each draw, so that any entrant can check it):

    entrants = sorted(str(user_id) for each neighbour who showed interest before draw_at)
    winner   = random.Random(seed).choice(entrants)

``seed`` is 32 hexadecimal characters from ``secrets.token_hex(16)``, drawn at the time of the
draw (nobody knows it beforehand) and stored with the sorted entrants and the winner.
Python's ``random.Random`` seeded with a string is deterministic across runs and platforms
(it hashes the string with SHA-512), so the same record always gives the same winner.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Iterable


def new_seed() -> str:
    return secrets.token_hex(16)


def sorted_entrants(user_ids: Iterable[uuid.UUID | str]) -> list[str]:
    return sorted({str(user_id) for user_id in user_ids})


def winner_of(entrants: list[str], seed: str) -> str | None:
    """The winner the record gives (None when nobody entered)."""
    if not entrants:
        return None
    return random.Random(seed).choice(sorted(entrants))
