"""What exchanges tell the neighbours, through the notifications domain, in the caller's transaction.

``kind`` is the preference a member sets (messages, reservations and draws); ``event`` says what
happened (see /tmp/helpers/exchanges-needs.md for the list and their data).
"""

from __future__ import annotations

import enum
import logging
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)


class NotificationKind(enum.StrEnum):
    """The kinds a member will choose a delivery for, once the notifications domain exists."""

    MESSAGES = "messages"
    RESERVATIONS = "reservations"


MESSAGES = NotificationKind.MESSAGES
RESERVATIONS = NotificationKind.RESERVATIONS


async def tell(
    session: AsyncSession,
    *,
    recipient_id: uuid.UUID,
    kind: NotificationKind,
    event: str,
    listing_id: uuid.UUID,
    conversation_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Record what a neighbour must be told. The notifications domain (in-app list, e-mail) is
    not built yet (issue 9, part 4): until it is, each notice is logged only."""
    log.info(
        "notice %s (%s) to %s about listing %s, conversation %s, from %s: %s",
        event,
        kind.value,
        recipient_id,
        listing_id,
        conversation_id,
        actor_id,
        data or {},
    )
