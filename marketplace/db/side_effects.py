"""What a transaction does once it has committed, and what it remembers until then.

Some effects of a write cannot be part of the database transaction: a photo file is deleted only
after the row that named it is gone for good, never before (a rollback would leave a row without
its file). A service hands such an effect to ``after_commit``; it runs once the session's
transaction commits and is forgotten if it rolls back. ``transaction_state`` keeps a value for the
length of one transaction (the change recorder uses it to write one row per change).

One pair of listeners on SQLAlchemy's ``Session`` serves every session: no service registers
listeners of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

T = TypeVar("T")

_AFTER_COMMIT: Final = "marketplace.after_commit"
_STATE: Final = "marketplace.transaction_state"


def after_commit(session: AsyncSession | Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the current transaction of ``session`` commits; drop it on rollback.

    Actions run in the order given, inside the commit step: keep them short (unlinking a file is).
    One that fails is logged and does not stop the others: the commit has happened."""
    _info(session).setdefault(_AFTER_COMMIT, []).append(action)


def transaction_state(session: AsyncSession | Session, key: str, factory: Callable[[], T]) -> T:
    """A value that lives as long as the current transaction of ``session`` (made by ``factory``)."""
    state: dict[str, Any] = _info(session).setdefault(_STATE, {})
    if key not in state:
        state[key] = factory()
    return state[key]  # type: ignore[no-any-return]


def _info(session: AsyncSession | Session) -> dict[Any, Any]:
    sync_session = session.sync_session if isinstance(session, AsyncSession) else session
    return sync_session.info


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    actions: list[Callable[[], None]] = session.info.pop(_AFTER_COMMIT, [])
    session.info.pop(_STATE, None)
    for action in actions:
        try:
            action()
        except Exception:  # the transaction is committed: log, and let the others run
            logger.exception("An after-commit action failed")


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    session.info.pop(_STATE, None)
