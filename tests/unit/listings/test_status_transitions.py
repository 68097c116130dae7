"""The life cycle, move by move and person by person: every allowed and every refused transition."""

from __future__ import annotations

import itertools

import pytest

from marketplace.listings.models import ListingStatus as S
from marketplace.listings.status import Actor, Decision, decide, next_statuses

AUTHOR, MODERATOR, SYSTEM = Actor.AUTHOR, Actor.MODERATOR, Actor.SYSTEM

# Written out by hand from the issue, so that a change of the rules in status.py shows here.
EXPECTED: dict[tuple[S, S], set[Actor]] = {
    (S.DRAFT, S.AVAILABLE): {AUTHOR},
    (S.AVAILABLE, S.RESERVED): {AUTHOR},
    (S.RESERVED, S.AVAILABLE): {AUTHOR},
    (S.AVAILABLE, S.DONE): {AUTHOR},
    (S.RESERVED, S.DONE): {AUTHOR},
    (S.AVAILABLE, S.WITHDRAWN): {AUTHOR},
    (S.RESERVED, S.WITHDRAWN): {AUTHOR},
    (S.WITHDRAWN, S.AVAILABLE): {AUTHOR},
    (S.EXPIRED, S.AVAILABLE): {AUTHOR},
    (S.AVAILABLE, S.EXPIRED): {SYSTEM},
    (S.DRAFT, S.REMOVED): {MODERATOR},
    (S.AVAILABLE, S.REMOVED): {MODERATOR},
    (S.RESERVED, S.REMOVED): {MODERATOR},
    (S.DONE, S.REMOVED): {MODERATOR},
    (S.WITHDRAWN, S.REMOVED): {MODERATOR},
    (S.EXPIRED, S.REMOVED): {MODERATOR},
}

ALL_MOVES = list(itertools.product(S, S))


@pytest.mark.parametrize(("origin", "target"), ALL_MOVES, ids=[f"{a}->{b}" for a, b in ALL_MOVES])
@pytest.mark.parametrize("actor", list(Actor))
def test_each_move_for_each_kind_of_person(origin: S, target: S, actor: Actor) -> None:
    allowed_to = EXPECTED.get((origin, target))
    decision = decide(origin, target, {actor})
    if allowed_to is None:
        assert decision is Decision.INVALID  # 409: the life cycle has no such move
    elif actor in allowed_to:
        assert decision is Decision.ALLOWED
    else:
        assert decision is Decision.FORBIDDEN  # 403: not this person's move


@pytest.mark.parametrize("target", list(S))
def test_done_and_removed_are_final(target: S) -> None:
    for origin in (S.DONE, S.REMOVED):
        if (origin, target) == (S.DONE, S.REMOVED):
            continue  # a moderator may still take down a finished listing
        assert decide(origin, target, set(Actor)) is Decision.INVALID


def test_a_person_with_no_capacity_may_do_nothing() -> None:
    assert all(decide(origin, target, set()) is not Decision.ALLOWED for origin, target in ALL_MOVES)


def test_an_author_who_moderates_holds_both_sets_of_moves() -> None:
    both = {AUTHOR, MODERATOR}
    assert next_statuses(S.AVAILABLE, both) == [S.RESERVED, S.DONE, S.WITHDRAWN, S.REMOVED]
    assert next_statuses(S.AVAILABLE, {AUTHOR}) == [S.RESERVED, S.DONE, S.WITHDRAWN]
    assert next_statuses(S.DONE, {AUTHOR}) == []
