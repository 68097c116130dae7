"""ASGI middleware: the reader's language, security headers on every response, CSRF that
leaves bearer-token API calls alone (a browser never adds an Authorization header by itself),
and JSON-only bodies on the API.

Cookies are always read with Litestar's own parser (``ASGIConnection.cookies``), the one the
session middleware reads the session with: a stricter parser (``http.cookies.SimpleCookie``
gives up on a whole header when one value holds a space) would see no session where Litestar
loads one, and a check built on it could be ridden past.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.middleware.csrf import CSRFMiddleware
from litestar.response.base import ASGIResponse
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.web.i18n import LANGUAGE_COOKIE, current_language, pick_language
from marketplace.web.i18n import gettext as _

SESSION_COOKIE = "session"
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "geolocation=(), microphone=(), camera=(self)",
    "cross-origin-opener-policy": "same-origin",
}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def request_cookies(scope: Scope) -> dict[str, str]:
    """The cookies as Litestar parses them (and caches them for the session middleware)."""
    connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
    return connection.cookies


def has_bearer_token(scope: Scope) -> bool:
    return (_header(scope, b"authorization") or "").lower().startswith("bearer ")


class LanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = request_cookies(scope).get(LANGUAGE_COOKIE)
        token = current_language.set(pick_language(chosen, _header(scope, b"accept-language")))
        try:
            await self.app(scope, receive, send)
        finally:
            current_language.reset(token)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def carries_session(scope: Scope) -> bool:
    """Whether the request brings a session Litestar would read: a session cookie as its parser
    sees it, or a session the session middleware (which runs before CSRF) has loaded."""
    if request_cookies(scope).get(SESSION_COOKIE, "") not in ("", "null"):
        return True
    return bool(scope.get("session"))  # Empty (no session) and {} are both falsy


class BearerAwareCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check, where a forged cross-site request could ride on a session.

    Skipped for requests authenticated by a bearer token (the token alone authenticates them,
    cookies are then ignored, see ``accounts.auth``), and for API calls that carry no session
    cookie: they are anonymous, so they answer 401 where a login is needed, as API clients
    expect. API login stays checked, since it is what sets the session cookie.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (has_bearer_token(scope) or self._anonymous_api_call(scope)):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    @staticmethod
    def _anonymous_api_call(scope: Scope) -> bool:
        path = scope.get("path", "")
        return path.startswith("/api/") and path != "/api/v1/auth/login" and not carries_session(scope)


class AllowedHostsMiddleware:
    """Answers 400 to a Host header the site does not serve.

    Like Django's ALLOWED_HOSTS, the port is ignored (Litestar's own check compares it too, so
    ``127.0.0.1`` would refuse ``127.0.0.1:8000``). ``*.example.org`` allows subdomains; ``*`` all.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.allow_all = "*" in allowed_hosts
        self.exact = {host.lower() for host in allowed_hosts if not host.startswith("*.")}
        self.suffixes = tuple(host[1:].lower() for host in allowed_hosts if host.startswith("*."))

    def allows(self, host_header: str | None) -> bool:
        if self.allow_all:
            return True
        host = (host_header or "").lower()
        host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        host = host.strip("[]")
        return host in self.exact or (bool(self.suffixes) and host.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.allows(_header(scope, b"host")):
            response = ASGIResponse(
                body=b'{"status_code":400,"detail":"Invalid host header"}', status_code=400
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _declares_multipart(route_handler: Any) -> bool:
    data_field = getattr(route_handler, "parsed_data_field", None)
    kwarg = getattr(data_field, "kwarg_definition", None) if data_field is not None else None
    return getattr(kwarg, "media_type", None) == RequestEncodingType.MULTI_PART


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    return bool(_header(scope, b"transfer-encoding")) or (
        length is not None and length.strip() not in ("", "0")
    )


class JsonApiBodyMiddleware:
    """Answers 415 to a state-changing API call whose body is not ``application/json``.

    An HTML form on another site can send ``text/plain``, form-encoded or multipart bodies
    without a CORS preflight, never ``application/json``: the API takes JSON only, except the
    handlers that declare a multipart body (the photo upload), read from the route table.
    """

    def __init__(self, app: ASGIApp, path_prefix: str = "/api/v1/") -> None:
        self.app = app
        self.path_prefix = path_prefix

    def refuses(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope.get("method", "") not in STATE_CHANGING_METHODS:
            return False
        if not scope.get("path", "").startswith(self.path_prefix) or not _has_body(scope):
            return False
        media_type = (_header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
        if media_type == "application/json":
            return False
        return not (media_type == "multipart/form-data" and _declares_multipart(scope.get("route_handler")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.refuses(scope):
            raise HTTPException(
                status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                detail=_("Envoyez le corps de la requête en JSON (Content-Type: application/json)."),
            )
        await self.app(scope, receive, send)
