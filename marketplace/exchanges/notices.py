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

try:  # the notifications domain is built alongside this one
    # The service first: until it exists, its half-built models are not imported either.
    from marketplace.notifications.service import notify  # isort: skip
    from marketplace.notifications.models import NotificationKind  # isort: skip
except ImportError:  # pragma: no cover - only until marketplace/notifications lands
    notify = None  # type: ignore[assignment]

    class NotificationKind(enum.StrEnum):  # type: ignore[no-redef]
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
    if notify is None:
        log.info("notification %s to %s (notifications domain not installed)", event, recipient_id)
        return
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
