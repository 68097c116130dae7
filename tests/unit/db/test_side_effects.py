"""Effects that wait for the commit: they run once it happens, and never after a rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from marketplace.db.side_effects import after_commit, transaction_state


@pytest.fixture
def session() -> Session:
    return Session(create_engine("sqlite://"))


def test_an_effect_runs_once_the_transaction_commits(session: Session) -> None:
    done: list[str] = []
    session.execute(text("SELECT 1"))
    after_commit(session, lambda: done.append("file deleted"))
    assert done == []  # not before the commit
    session.commit()
    assert done == ["file deleted"]
    session.execute(text("SELECT 1"))
    session.commit()
    assert done == ["file deleted"]  # once, not at every later commit


def test_an_effect_is_forgotten_when_the_transaction_rolls_back(session: Session) -> None:
    done: list[str] = []
    session.execute(text("SELECT 1"))
    after_commit(session, lambda: done.append("file deleted"))
    session.rollback()
    session.execute(text("SELECT 1"))
    session.commit()
    assert done == []


def test_a_failing_effect_does_not_stop_the_others(session: Session) -> None:
    done: list[str] = []

    def broken() -> None:
        raise OSError("disk gone")

    session.execute(text("SELECT 1"))
    after_commit(session, broken)
    after_commit(session, lambda: done.append("second"))
    session.commit()
    assert done == ["second"]


def test_transaction_state_lives_as_long_as_one_transaction(session: Session) -> None:
    session.execute(text("SELECT 1"))
    first = transaction_state(session, "seen", set)
    first.add("listing-1")
    assert transaction_state(session, "seen", set) == {"listing-1"}
    session.commit()
    session.execute(text("SELECT 1"))
    assert transaction_state(session, "seen", set) == set()
    transaction_state(session, "seen", set).add("listing-2")
    session.rollback()
    assert transaction_state(session, "seen", set) == set()
