"""What exchanges tell the neighbours, through the notifications domain, in the caller's transaction.

``kind`` is the preference a member sets (messages, reservations and draws); ``event`` says what
happened: message.new, reservation.yours, reservation.others, reservation.released,
listing.given, listing.closed, draw.won, draw.lost, draw.empty, handover.thanks.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.notifications.models import NotificationKind
from marketplace.notifications.record import notify

MESSAGES = NotificationKind.MESSAGES
RESERVATIONS = NotificationKind.RESERVATIONS

__all__ = ["MESSAGES", "RESERVATIONS", "NotificationKind", "tell"]


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
    """Record what a neighbour must be told: in their list, and by e-mail if they chose it."""
    await notify(
        session,
        recipient_id=recipient_id,
        kind=kind,
        event=event,
        listing_id=listing_id,
        conversation_id=conversation_id,
        actor_id=actor_id,
        data=data,
    )
