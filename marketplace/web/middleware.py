"""ASGI middleware: the reader's language, security headers on every response, and CSRF that
leaves bearer-token API calls alone (a browser never adds an Authorization header by itself)."""

from __future__ import annotations

from http.cookies import SimpleCookie

from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.csrf import CSRFMiddleware
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


class BearerAwareCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check, skipped for requests authenticated by a bearer token only.

    Such requests are authenticated by the token alone (cookies are then ignored, see
    ``accounts.auth``), so a forged cross-site request cannot ride on a session.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and has_bearer_token(scope):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
