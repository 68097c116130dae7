"""ASGI middleware: the reader's language, security headers on every response, and CSRF that
leaves bearer-token API calls alone (a browser never adds an Authorization header by itself)."""

from __future__ import annotations

from http.cookies import SimpleCookie

from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.csrf import CSRFMiddleware
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.web.i18n import LANGUAGE_COOKIE, current_language, pick_language

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


def has_bearer_token(scope: Scope) -> bool:
    return (_header(scope, b"authorization") or "").lower().startswith("bearer ")


class LanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = SimpleCookie(_header(scope, b"cookie") or "")
        chosen = cookies[LANGUAGE_COOKIE].value if LANGUAGE_COOKIE in cookies else None
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


def _has_session_cookie(scope: Scope) -> bool:
    cookies = SimpleCookie(_header(scope, b"cookie") or "")
    return "session" in cookies and cookies["session"].value not in ("", "null")


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
        return path.startswith("/api/") and path != "/api/v1/auth/login" and not _has_session_cookie(scope)


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
