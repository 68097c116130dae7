"""The life cycle of a listing, as data: who may move a listing from which status to which.

::

    draft ──publish──▶ available ⇄ reserved
                        │   ╲        │
                        │    ╲───────┼──▶ done (final)
                        ├────────────┴──▶ withdrawn ──relist──▶ available
                        └──(worker)─────▶ expired   ──relist──▶ available
    done ──relist (listings/relist.py only)──▶ available
    any status ──moderator, with a reason──▶ removed (final)

``decide`` is pure: the service asks it, then raises 409 for a move the life cycle does not have,
and 403 for a move that exists but not for this person. Moving to the status a listing already
has is refused as a move that does not exist (409), so a double click never writes twice.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from marketplace.listings.models import ON_OFFER_STATUSES
from marketplace.listings.models import ListingStatus as S
from marketplace.web.i18n import N_


class Actor(enum.StrEnum):
    """The capacity in which somebody acts on a listing (a person may hold several)."""

    AUTHOR = "author"
    MODERATOR = "moderator"  # moderator or admin of the listing's community, or a site admin
    SYSTEM = "system"  # the background worker


class Decision(enum.Enum):
    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"  # the move exists, but not for this person: 403
    INVALID = "invalid"  # the life cycle has no such move: 409


_AUTHOR = frozenset({Actor.AUTHOR})

TRANSITIONS: dict[tuple[S, S], frozenset[Actor]] = {
    (S.DRAFT, S.AVAILABLE): _AUTHOR,  # publish
    (S.AVAILABLE, S.RESERVED): _AUTHOR,
    (S.RESERVED, S.AVAILABLE): _AUTHOR,  # the reservation fell through
    (S.AVAILABLE, S.DONE): _AUTHOR,
    (S.RESERVED, S.DONE): _AUTHOR,
    (S.AVAILABLE, S.WITHDRAWN): _AUTHOR,
    (S.RESERVED, S.WITHDRAWN): _AUTHOR,
    (S.WITHDRAWN, S.AVAILABLE): _AUTHOR,  # relist
    (S.EXPIRED, S.AVAILABLE): _AUTHOR,  # relist
    (S.AVAILABLE, S.EXPIRED): frozenset({Actor.SYSTEM}),
    # Removal: from anything but itself. Moderators cannot see drafts, so in practice a draft is
    # never removed, but the rule does not need to know about visibility.
    **{
        (origin, S.REMOVED): frozenset({Actor.MODERATOR})
        for origin in (S.DRAFT, S.AVAILABLE, S.RESERVED, S.DONE, S.WITHDRAWN, S.EXPIRED)
    },
}

# Findable in browse, counts and search.
SEARCHABLE: frozenset[S] = frozenset(S(status) for status in ON_OFFER_STATUSES)  # available, reserved
# Seen by every reader of the community; a draft is its author's alone, a removed listing its
# author's and the moderators'.
OPEN_TO_READERS: frozenset[S] = frozenset(set(S) - {S.DRAFT, S.REMOVED})
# The author may still edit the text of the listing (done and removed are closed).
EDITABLE: frozenset[S] = frozenset({S.DRAFT, S.AVAILABLE, S.RESERVED, S.WITHDRAWN, S.EXPIRED})
# What its author may put back in front of the neighbours in one click, for a fresh lifetime
# (listings/relist.py). Done is there but has no move back in TRANSITIONS: the status endpoint
# keeps it final (an exchange may have recorded its hand-over), relisting is its one way back.
RELISTABLE: frozenset[S] = frozenset({S.DONE, S.WITHDRAWN, S.EXPIRED})
# Moves that put a listing (back) in front of the neighbours: the author must still be a member.
PUBLISHING: frozenset[tuple[S, S]] = frozenset(
    {(S.DRAFT, S.AVAILABLE), (S.WITHDRAWN, S.AVAILABLE), (S.EXPIRED, S.AVAILABLE)}
)


def decide(origin: S, target: S, actors: Iterable[Actor]) -> Decision:
    """Whether ``actors`` may move a listing from ``origin`` to ``target``."""
    allowed_to = TRANSITIONS.get((origin, target))
    if allowed_to is None:
        return Decision.INVALID
    return Decision.ALLOWED if allowed_to & set(actors) else Decision.FORBIDDEN


def next_statuses(origin: S, actors: Iterable[Actor]) -> list[S]:
    """The statuses ``actors`` may move a listing to from ``origin`` (what the page offers)."""
    held = set(actors)
    return [target for (start, target), who in TRANSITIONS.items() if start == origin and who & held]


STATUS_LABELS: dict[S, str] = {
    S.DRAFT: N_("Brouillon"),
    S.AVAILABLE: N_("Disponible"),
    S.RESERVED: N_("Réservée"),
    S.DONE: N_("Terminée"),
    S.WITHDRAWN: N_("Retirée"),
    S.EXPIRED: N_("Expirée"),
    S.REMOVED: N_("Supprimée par la modération"),
}
