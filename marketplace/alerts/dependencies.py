"""What the alerts' handlers are given."""

from __future__ import annotations

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.alerts.service import AlertService


async def provide_alerts(db_session: AsyncSession) -> AlertService:
    return AlertService(db_session)


ALERT_DEPENDENCIES = {"alerts": Provide(provide_alerts)}
