"""What the notifications' handlers are given."""

from __future__ import annotations

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.notifications.service import NotificationService


async def provide_notifications(db_session: AsyncSession) -> NotificationService:
    return NotificationService(db_session)


NOTIFICATION_DEPENDENCIES = {"notifications": Provide(provide_notifications)}
