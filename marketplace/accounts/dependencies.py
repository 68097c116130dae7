"""What accounts' handlers are given: their services, the throttles, the verified-user check,
and the sending of account e-mails once the answer has gone."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.di import Provide

from marketplace.accounts.guards import ensure_verified
from marketplace.accounts.mail import send_account_mails
from marketplace.accounts.models import User
from marketplace.accounts.service import AccountMail, ApiTokenService, UserService
from marketplace.accounts.throttle import LoginThrottle, MailThrottle
from marketplace.notifications.transport import transport_for

provide_users = create_service_provider(UserService)
provide_tokens = create_service_provider(ApiTokenService)


async def provide_throttle(request: Request[Any, Any, Any]) -> LoginThrottle:
    return LoginThrottle(request.app.stores.get("throttle"), request.app.state.settings.security)


async def provide_mail_throttle(request: Request[Any, Any, Any]) -> MailThrottle:
    return MailThrottle(request.app.stores.get("throttle"))


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def require_verified(user: User) -> User:
    """The dependency form of ``guards.ensure_verified``: declare ``verified_user: User`` in a
    handler with ``dependencies={"verified_user": VERIFIED_USER}``; 403 for an unverified one."""
    return ensure_verified(user)


VERIFIED_USER = Provide(require_verified)


def with_mails(
    response: Response[Any], request: Request[Any, Any, Any], *mails: AccountMail | None
) -> Response[Any]:
    """``response``, which sends ``mails`` after it has gone, so after the transaction committed
    (see ``accounts/mail.py`` for why at once and not through the outbox)."""
    wanted = [mail for mail in mails if mail is not None]
    if wanted:
        settings = request.app.state.settings
        response.background = BackgroundTask(
            send_account_mails, wanted, settings.mail, settings.templates_dir, transport_for(settings.mail)
        )
    return response


ACCOUNT_DEPENDENCIES = {
    "users": Provide(provide_users),
    "tokens": Provide(provide_tokens),
    "throttle": Provide(provide_throttle),
    "mail_throttle": Provide(provide_mail_throttle),
}
