"""What accounts' handlers are given: their services and the login throttle."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.service import ApiTokenService, UserService
from marketplace.accounts.throttle import LoginThrottle


async def provide_users(db_session: AsyncSession) -> UserService:
    return UserService(session=db_session)


async def provide_tokens(db_session: AsyncSession) -> ApiTokenService:
    return ApiTokenService(session=db_session)


async def provide_throttle(request: Request[Any, Any, Any]) -> LoginThrottle:
    return LoginThrottle(request.app.stores.get("throttle"), request.app.state.settings.security)


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


ACCOUNT_DEPENDENCIES = {
    "users": Provide(provide_users),
    "tokens": Provide(provide_tokens),
    "throttle": Provide(provide_throttle),
}
