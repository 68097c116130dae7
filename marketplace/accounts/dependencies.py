"""What accounts' handlers are given: their services and the login throttle."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Request
from litestar.di import Provide

from marketplace.accounts.service import ApiTokenService, UserService
from marketplace.accounts.throttle import LoginThrottle

provide_users = create_service_provider(UserService)
provide_tokens = create_service_provider(ApiTokenService)


async def provide_throttle(request: Request[Any, Any, Any]) -> LoginThrottle:
    return LoginThrottle(request.app.stores.get("throttle"), request.app.state.settings.security)


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


ACCOUNT_DEPENDENCIES = {
    "users": Provide(provide_users),
    "tokens": Provide(provide_tokens),
    "throttle": Provide(provide_throttle),
}
