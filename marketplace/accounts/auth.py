"""Who is asking: a bearer token (API clients) or the server-side session (browsers).

A request that carries a bearer token is authenticated by the token alone; its cookies are
ignored, which is what lets such requests skip the CSRF check.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.exceptions import RepositoryError
from litestar import Request
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts import service as account_service
from marketplace.accounts.models import User
from marketplace.accounts.service import ApiTokenService, UserService
from marketplace.web.i18n import gettext as _

SESSION_USER = "user_id"
SESSION_AUTH_AT = "auth_at"
_ROTATE = "marketplace.rotate_session"
_ROTATED_ID = "marketplace.rotated_session_id"
_LOADED = "marketplace.session_as_loaded"


@dataclass(frozen=True)
class Viewer:
    """The person reading, or nobody: what the visibility rule and the guards are given."""

    user: User | None

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user else None

    @property
    def is_site_admin(self) -> bool:
        return bool(self.user and self.user.is_admin)


async def provide_viewer(request: Request[Any, Any, Any], db_session: AsyncSession) -> Viewer:
    try:
        viewer = await _identify(request, db_session)
    except RepositoryError as error:
        # Litestar re-raises a dependency's error "from" its task group, which would hide the
        # repository's cause (a pool timeout, the server gone) from the error handlers that
        # answer 503: raise the database's own error instead. The viewer is most requests' first
        # use of the database, where an outage or a full pool shows.
        if error.__cause__ is not None:
            raise error.__cause__ from None
        raise
    request.state.viewer = viewer  # the page layout shows who is signed in
    return viewer


async def _identify(request: Request[Any, Any, Any], db_session: AsyncSession) -> Viewer:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user = await ApiTokenService(session=db_session).user_for(authorization[7:].strip())
        if user is None:
            raise NotAuthorizedException(detail=_("Jeton d'accès invalide ou révoqué."))
        return Viewer(user)
    if "session" not in request.scope:
        return Viewer(None)
    raw_id = request.session.get(SESSION_USER)
    if not raw_id:
        return Viewer(None)
    try:
        user = await UserService(session=db_session).get_one_or_none(User.id == uuid.UUID(raw_id))
    except ValueError:
        user = None
    if user is None or not user.is_active or _session_older_than_password(request, user):
        request.clear_session()
        return Viewer(None)
    return Viewer(user)


def _session_older_than_password(request: Request[Any, Any, Any], user: User) -> bool:
    if user.password_changed_at is None:
        return False
    started = datetime.datetime.fromisoformat(
        request.session.get(SESSION_AUTH_AT, "1970-01-01T00:00:00+00:00")
    )
    return started < user.password_changed_at


async def provide_user(viewer: Viewer) -> User:
    """The signed-in user; 401 otherwise (pages turn it into a redirect to the login form)."""
    if viewer.user is None:
        raise NotAuthorizedException(detail=_("Connectez-vous pour continuer."))
    return viewer.user


def start_session(request: Request[Any, Any, Any], user: User) -> None:
    """Sign ``user`` in under a new session id, so that an id planted before login is worthless."""
    request.scope[_ROTATE] = True  # type: ignore[literal-required]
    # The service's clock, which a password change also reads: a test that moves it moves both.
    request.set_session({SESSION_USER: str(user.id), SESSION_AUTH_AT: account_service.clock().isoformat()})


def end_session(request: Request[Any, Any, Any]) -> None:
    request.clear_session()


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions, plus a fresh id when ``start_session`` asks for one,
    and no database write when a request leaves its session as it found it."""

    async def load_from_connection(self, connection: Any) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope[_LOADED] = self.serialize_data(data, connection.scope) if data else None
        return data

    def get_session_id(self, connection: Any) -> str:
        scope = connection.scope
        if scope.get(_ROTATED_ID):
            return str(scope[_ROTATED_ID])
        if scope.get(_ROTATE):
            scope[_ROTATED_ID] = self.generate_session_id()
            return str(scope[_ROTATED_ID])
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session: Any, message: Message, connection: Any) -> None:
        old_id = connection.cookies.get(self.config.key)
        if not scope_session and scope_session is not Empty:
            # Litestar would store an empty session for every anonymous visit: a database write
            # and a cookie per request. Store nothing, and forget a session that was emptied.
            if not old_id or old_id == "null":
                return
            scope_session = Empty
        unchanged = scope_session is not Empty and connection.scope.get(_LOADED) == self.serialize_data(
            scope_session, connection.scope
        )
        if unchanged and not connection.scope.get(_ROTATE):
            return  # the stored session and the browser's cookie are both still right
        if connection.scope.get(_ROTATE) and old_id:
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend
