"""Reading and managing one's notifications: the list, the unread count, marking read, the
choice per kind and the one-click unsubscribe. (Recording them is ``record.notify``.)"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.models import User
from marketplace.notifications.models import (
    DEFAULT_DELIVERY,
    Delivery,
    EmailOutboxEntry,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from marketplace.notifications.wording import Wording, describe
from marketplace.web.i18n import DEFAULT_LANGUAGE, LANGUAGES


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Shown:
    """A notice as its reader sees it."""

    notification: Notification
    wording: Wording


class NotificationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- the list -------------------------------------------------------------------------------

    async def unread_count(self, user_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
        )
        return int(count or 0)

    async def page_of(self, user_id: uuid.UUID, page: int, per_page: int) -> tuple[list[Shown], int]:
        """The reader's notices, the newest first, with their words in the current language."""
        total = await self.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.recipient_id == user_id)
        )
        rows = list(
            await self.session.scalars(
                select(Notification)
                .where(Notification.recipient_id == user_id)
                .order_by(Notification.created_at.desc(), Notification.id.desc())
                .offset((page - 1) * per_page)
                .limit(per_page)
            )
        )
        actor_ids = {row.actor_id for row in rows if row.actor_id}
        names: dict[uuid.UUID, str] = {}
        if actor_ids:
            found = await self.session.execute(
                select(User.id, User.display_name).where(User.id.in_(actor_ids))
            )
            names = dict(found.all())
        return [Shown(row, describe([row], names)) for row in rows], int(total or 0)

    async def mark_read(
        self, user_id: uuid.UUID, ids: Iterable[uuid.UUID] | None = None, now: datetime.datetime | None = None
    ) -> int:
        """Mark the reader's notices ``ids`` read (all of them when None); returns how many changed."""
        statement = (
            update(Notification)
            .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
            .values(read_at=now or utc_now())
            .execution_options(synchronize_session=False)
        )
        if ids is not None:
            wanted = list(ids)
            if not wanted:
                return 0
            statement = statement.where(Notification.id.in_(wanted))
        result = await self.session.execute(statement)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def open(self, user_id: uuid.UUID, notification_id: uuid.UUID) -> str:
        """Mark one of the reader's notices read; the path of what it is about."""
        row = await self.session.scalar(
            select(Notification).where(
                Notification.id == notification_id, Notification.recipient_id == user_id
            )
        )
        if row is None:
            return "/notifications"
        if row.read_at is None:
            row.read_at = utc_now()
            await self.session.flush()
        return describe([row]).link

    # --- the choice per kind --------------------------------------------------------------------

    async def preferences(self, user_id: uuid.UUID) -> dict[NotificationKind, Delivery]:
        """The reader's delivery for every kind (the default where they never chose)."""
        chosen = await self.session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user_id
            )
        )
        found = {NotificationKind(kind): Delivery(delivery) for kind, delivery in chosen.all()}
        return {kind: found.get(kind, DEFAULT_DELIVERY[kind]) for kind in NotificationKind}

    async def choose(self, user_id: uuid.UUID, choices: Mapping[NotificationKind, Delivery]) -> None:
        """Set the delivery of each kind in ``choices``; mails waiting for a kind no longer by
        e-mail are cancelled (their notices stay in the list)."""
        existing = {
            row.kind: row
            for row in await self.session.scalars(
                select(NotificationPreference).where(NotificationPreference.user_id == user_id)
            )
        }
        for kind, delivery in choices.items():
            row = existing.get(kind)
            if row is None:
                self.session.add(NotificationPreference(user_id=user_id, kind=kind, delivery=delivery))
            else:
                row.delivery = delivery
            if delivery is not Delivery.EMAIL:
                await self.session.execute(
                    update(EmailOutboxEntry)
                    .where(
                        EmailOutboxEntry.recipient_id == user_id,
                        EmailOutboxEntry.kind == kind,
                        EmailOutboxEntry.status == EmailStatus.PENDING,
                    )
                    .values(status=EmailStatus.CANCELLED)
                    .execution_options(synchronize_session=False)
                )
        await self.session.flush()

    async def set_language(self, user: User, language: str) -> None:
        """The language of the e-mails ``user`` receives ("fr" or "en")."""
        user.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.session.add(user)
        await self.session.flush()

    async def unsubscribe(self, user_id: uuid.UUID, kind: NotificationKind) -> bool:
        """No more e-mail for ``kind`` (the notices stay in the list); False if the account is gone."""
        if await self.session.get(User, user_id) is None:
            return False
        if (await self.preferences(user_id))[kind] is Delivery.EMAIL:
            await self.choose(user_id, {kind: Delivery.IN_APP})
        return True

    async def forget(self, user_id: uuid.UUID) -> None:
        """Forget what ``user_id`` was told and chose (an account deleted: nobody reads them now)."""
        await self.session.execute(delete(Notification).where(Notification.recipient_id == user_id))
        await self.session.execute(delete(EmailOutboxEntry).where(EmailOutboxEntry.recipient_id == user_id))
        await self.session.execute(
            delete(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
