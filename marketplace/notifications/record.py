"""The notice recorder: the one call a service makes when somebody must be told of its change.

Call it inside the transaction of the change, before the commit: the notice and its e-mail (when
the member wants e-mail for that kind) commit or roll back with the change itself, and the
worker can neither miss one nor send one for a change that did not happen.

Messages of one conversation are grouped: while an e-mail about the conversation is waiting, a
new message joins it; after one is sent, the next waits until 15 minutes have passed since.

Part of the foundation, as ``indexing.changes`` is: communities and listings call it without
importing the notifications domain.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.notifications.models import (
    DEFAULT_DELIVERY,
    Delivery,
    EmailOutboxEntry,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)

# At most one e-mail per conversation in this time: the others wait and are grouped.
MESSAGE_GROUPING = datetime.timedelta(minutes=15)
GROUPED_EVENTS = frozenset({"message.new"})


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def group_key(event: str, conversation_id: uuid.UUID | None) -> str:
    """What a notice's e-mail shares with others: its conversation, for messages; nothing otherwise."""
    if event in GROUPED_EVENTS and conversation_id is not None:
        return f"conversation:{conversation_id}"
    return ""


async def delivery_for(session: AsyncSession, user_id: uuid.UUID, kind: NotificationKind) -> Delivery:
    """The member's choice for ``kind``, or the default."""
    chosen = await session.scalar(
        select(NotificationPreference.delivery).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    return Delivery(chosen) if chosen is not None else DEFAULT_DELIVERY[kind]


async def _email_for(
    session: AsyncSession, recipient_id: uuid.UUID, kind: NotificationKind, key: str, now: datetime.datetime
) -> EmailOutboxEntry:
    """The outbox row the notice goes out in: a waiting one of its group, or a new one."""
    if key:
        waiting = (
            select(EmailOutboxEntry)
            .where(
                EmailOutboxEntry.recipient_id == recipient_id,
                EmailOutboxEntry.group_key == key,
                EmailOutboxEntry.status == EmailStatus.PENDING,
            )
            .order_by(EmailOutboxEntry.next_attempt_at)
            .limit(1)
        )
        # On PostgreSQL the row is locked: a worker claiming it waits for this notice to commit,
        # or, having claimed it first, no longer matches ``pending`` and a new e-mail is made.
        if session.get_bind().dialect.name == "postgresql":
            waiting = waiting.with_for_update()
        entry = await session.scalar(waiting)
        if entry is not None:
            return entry
        last = await session.scalar(
            select(EmailOutboxEntry.claimed_at)
            .where(
                EmailOutboxEntry.recipient_id == recipient_id,
                EmailOutboxEntry.group_key == key,
                EmailOutboxEntry.claimed_at.is_not(None),
            )
            .order_by(EmailOutboxEntry.claimed_at.desc())
            .limit(1)
        )
        due = max(now, last + MESSAGE_GROUPING) if last is not None else now
    else:
        due = now
    entry = EmailOutboxEntry(
        recipient_id=recipient_id,
        kind=kind,
        group_key=key,
        status=EmailStatus.PENDING,
        attempts=0,
        next_attempt_at=due,
        last_error="",
    )
    session.add(entry)
    await session.flush()
    return entry


async def notify(
    session: AsyncSession,
    *,
    recipient_id: uuid.UUID,
    kind: NotificationKind,
    event: str,
    listing_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> Notification | None:
    """Tell ``recipient_id`` that ``event`` happened, as they chose for ``kind``, in this transaction.

    Returns the in-app notice, or None when the member turned that kind off."""
    delivery = await delivery_for(session, recipient_id, kind)
    if delivery is Delivery.OFF:
        return None
    now = now or utc_now()
    notification = Notification(
        recipient_id=recipient_id,
        kind=kind,
        event=event,
        listing_id=listing_id,
        conversation_id=conversation_id,
        actor_id=actor_id,
        data=dict(data or {}),
        created_at=now,
    )
    if delivery is Delivery.EMAIL:
        entry = await _email_for(session, recipient_id, kind, group_key(event, conversation_id), now)
        notification.email_id = entry.id
    session.add(notification)
    await session.flush()
    return notification


async def mark_conversation_read(
    session: AsyncSession,
    user_id: uuid.UUID,
    conversation_id: uuid.UUID,
    now: datetime.datetime | None = None,
) -> None:
    """The reader has read a conversation: its message notices are read too (one unread count,
    not one in the inbox and another in the notifications)."""
    await session.execute(
        update(Notification)
        .where(
            Notification.recipient_id == user_id,
            Notification.conversation_id == conversation_id,
            Notification.event.in_(GROUPED_EVENTS),
            Notification.read_at.is_(None),
        )
        .values(read_at=now or utc_now())
        .execution_options(synchronize_session=False)
    )
