"""How errors reach people: JSON for the API, a page (or a redirect to log in) for browsers.

Litestar's own messages (validation, CSRF, unknown route) are replaced by French ones, keeping
the ``extra`` that names the field at fault.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.orm.exc import StaleDataError

from marketplace.web.i18n import LANGUAGE_COOKIE, current_language, pick_language
from marketplace.web.i18n import gettext as _

log = logging.getLogger("marketplace")


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def _default_detail(status_code: int, detail: str) -> str:
    if status_code == 404 and detail in ("Not Found", ""):
        return _("Page introuvable.")
    if status_code == 405:
        return _("Cette action n'est pas possible ici.")
    if status_code == 403 and detail == "CSRF token verification failed":
        return _("Le formulaire a expiré ou ne vient pas de ce site. Rechargez la page et réessayez.")
    if status_code == 400 and detail.startswith("Validation failed"):
        return _("Certaines informations sont invalides.")
    if status_code == 413 and detail == "Request Entity Too Large":  # Litestar's own body limit
        return _("Le fichier envoyé est trop volumineux : 20 Mo au maximum par photo.")
    return detail


def _respond(
    request: Request[Any, Any, Any],
    status_code: int,
    detail: str,
    extra: Any = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    if _is_api(request):
        body: dict[str, Any] = {"status_code": status_code, "detail": detail}
        if extra:
            body["extra"] = extra
        return Response(body, status_code=status_code, media_type=MediaType.JSON, headers=headers)
    return Template(
        template_name="error.html",
        context={"status_code": status_code, "detail": detail, "extra": extra},
        status_code=status_code,
        headers=headers,
    )


def _reader_language(request: Request[Any, Any, Any]) -> None:
    """The language middleware does not run when no route matched: choose the language here."""
    current_language.set(
        pick_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    )


def http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    _reader_language(request)
    if isinstance(exc, NotAuthorizedException) and not _is_api(request) and request.method == "GET":
        return Redirect(f"/login?next={quote(request.url.path)}")
    detail = _default_detail(exc.status_code, str(exc.detail))
    headers = dict(exc.headers) if exc.headers else None
    return _respond(request, exc.status_code, detail, exc.extra or None, headers)


def stale_write(request: Request[Any, Any, Any], exc: StaleDataError) -> Response[Any]:
    message = _("Cette annonce a été modifiée entre-temps. Rechargez-la avant de la modifier.")
    return _respond(request, HTTP_409_CONFLICT, message)


def unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    _reader_language(request)
    log.exception("Unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(
        request, HTTP_500_INTERNAL_SERVER_ERROR, _("Une erreur inattendue s'est produite. Réessayez.")
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HTTPException: http_exception,
    NotFoundException: http_exception,
    PermissionDeniedException: http_exception,
    ValidationException: http_exception,
    StaleDataError: stale_write,
    Exception: unexpected,
}
