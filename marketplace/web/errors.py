"""How errors reach people: JSON for the API, a page (or a redirect to log in) for browsers.

Litestar's own messages (validation, CSRF, unknown route) are replaced by French ones (English
for an English reader), keeping the ``extra`` that names the field at fault; msgspec's messages
in ``extra`` ("Expected `int`, got `str`") are translated too, see ``validation_message``.

A listing page that answers 404 (one that does not exist, or one the reader may not see: the
same page, word for word) offers to log in and come back to the link, and shows a signed-in
reader the members-only groups they could ask to join: every such group they are not in, never
the listing's own, which would tell that it exists (``missing_listing_page``).

A request Litestar cannot read (JSON nested too deep, a form part that is not UTF-8, a number
too large for the database) is the sender's fault: 400, never 500. A database that does not
answer is nobody's fault in particular: 503 with ``Retry-After``, never a page with a trace.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import quote

from advanced_alchemy.exceptions import (
    DuplicateKeyError,
    ForeignKeyError,
    NotFoundError,
    RepositoryError,
)
from advanced_alchemy.exceptions import IntegrityError as RepositoryIntegrityError
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.response.base import ASGIResponse
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import Receive, Scope, Send
from sqlalchemy import inspect as orm_state
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError

from marketplace.accounts.auth import Viewer
from marketplace.communities.models import Community
from marketplace.communities.service import CommunityService
from marketplace.web.i18n import LANGUAGE_COOKIE, N_, current_language, pick_language
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


# msgspec's names of JSON types, as a neighbour reads them.
_JSON_TYPES = {
    "int": N_("un nombre entier"),
    "float": N_("un nombre"),
    "number": N_("un nombre"),
    "str": N_("un texte"),
    "bool": N_("vrai ou faux"),
    "object": N_("un objet"),
    "array": N_("une liste"),
    "null": N_("rien (null)"),
    "uuid": N_("un identifiant (UUID)"),
    "datetime": N_("une date et heure"),
    "date": N_("une date"),
}
_BOUNDS = {
    ">=": N_("au moins %(bound)s"),
    "<=": N_("au plus %(bound)s"),
    ">": N_("plus de %(bound)s"),
    "<": N_("moins de %(bound)s"),
}


def _json_type(names: str) -> str:
    """``int | null`` read as « un nombre entier ou rien (null) »."""
    return _(" ou ").join(
        _(_JSON_TYPES[name]) if name in _JSON_TYPES else name for name in names.split(" | ")
    )


def _bound(operator: str, bound: str) -> str:
    return _(_BOUNDS[operator], bound=bound)


# msgspec's validation messages (and Litestar's for parameters), each with its French wording.
_VALIDATION_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"Object missing required field `(?P<field>[^`]+)`"),
        lambda m: _("Le champ « %(field)s » est obligatoire.", field=m["field"]),
    ),
    (
        re.compile(r"Object contains unknown field `(?P<field>[^`]+)`"),
        lambda m: _("Le champ « %(field)s » n'existe pas.", field=m["field"]),
    ),
    (
        re.compile(r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`"),
        lambda m: _(
            "Valeur attendue : %(expected)s ; reçu : %(got)s.",
            expected=_json_type(m["expected"]),
            got=_json_type(m["got"]),
        ),
    ),
    (
        re.compile(r"Expected `(?P<expected>str|array|object)` of length (?P<op>[<>]=?) (?P<bound>\S+)"),
        lambda m: _("Longueur attendue : %(bound)s.", bound=_bound(m["op"], m["bound"])),
    ),
    (
        re.compile(r"Expected `(?P<expected>[^`]+)` (?P<op>[<>]=?) (?P<bound>\S+)"),
        lambda m: _(
            "Valeur attendue : %(expected)s, %(bound)s.",
            expected=_json_type(m["expected"]),
            bound=_bound(m["op"], m["bound"]),
        ),
    ),
    (
        re.compile(r"Expected `str` matching regex"),
        lambda m: _("Le format de ce texte n'est pas celui attendu."),
    ),
    (
        re.compile(r"Invalid enum value (?P<value>.+)"),
        lambda m: _("Valeur inconnue : %(value)s.", value=m["value"]),
    ),
    (re.compile(r"Invalid UUID"), lambda m: _("Identifiant invalide : un UUID est attendu.")),
    (
        re.compile(r"Invalid (RFC3339 encoded |ISO 8601 )?(datetime|date|time)"),
        lambda m: _("Date ou heure invalide : le format ISO 8601 est attendu."),
    ),
    (
        re.compile(r"Missing required (?P<source>\w+) parameter '(?P<field>[^']+)'"),
        lambda m: _("Le paramètre « %(field)s » est obligatoire.", field=m["field"]),
    ),
)


def validation_message(message: str) -> str:
    """A msgspec or Litestar validation message in the reader's language; any other message (the
    services' own, already translated) as it is."""
    for pattern, wording in _VALIDATION_MESSAGES:
        if (found := pattern.match(message)) is not None:
            return wording(found)
    return message


def _translated_extra(extra: Any) -> Any:
    """Each item of a validation error's ``extra`` with its message translated; an item that
    reports a missing field under the body's name (``data``) names the field instead."""
    if not isinstance(extra, list):
        return extra
    items = []
    for item in extra:
        if isinstance(item, dict) and isinstance(item.get("message"), str):
            item = dict(item)
            missing = re.match(r"Object missing required field `(?P<field>[^`]+)`", item["message"])
            if missing is not None:
                parent = item.get("key")
                item["key"] = (
                    missing["field"] if parent in (None, "", "data") else f"{parent}.{missing['field']}"
                )
            item["message"] = validation_message(item["message"])
        items.append(item)
    return items


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
    _drop_stale_viewer(request)
    return Template(
        template_name="error.html",
        context={"status_code": status_code, "detail": detail, "extra": extra},
        status_code=status_code,
        headers=headers,
    )


def _drop_stale_viewer(request: Request[Any, Any, Any]) -> None:
    """After a failed write the session is rolled back and the signed-in user's attributes are
    expired: the page header would reload them from a session that refuses to, and the error page
    itself would fail. The error page then shows the anonymous header instead."""
    viewer = request.state.get("viewer")
    user = getattr(viewer, "user", None)
    state = orm_state(user, raiseerr=False) if user is not None else None
    if state is not None and state.expired_attributes:
        request.state.viewer = None


def _reader_language(request: Request[Any, Any, Any]) -> None:
    """The language middleware does not run when no route matched: choose the language here."""
    current_language.set(
        pick_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    )


# The page of one listing (not its sub-pages): where a shared link lands.
_LISTING_PAGE = re.compile(r"/listings/[0-9a-fA-F-]{32,36}")
JOINABLE_GROUPS_SHOWN = 50


async def joinable_groups(request: Request[Any, Any, Any], viewer: Viewer) -> list[tuple[Community, bool]]:
    """What the communities say ``viewer`` could ask to join, in the request's own session."""
    plugin = request.app.plugins.get(SQLAlchemyPlugin)
    config = next(item for item in plugin.config if isinstance(item, SQLAlchemyAsyncConfig))
    session = config.provide_session(request.app.state, request.scope)
    return await CommunityService(session=session).members_only_to_ask(viewer, JOINABLE_GROUPS_SHOWN)


class _MissingListingPage(ASGIResponse):
    """The 404 page of a listing, which reads the groups to offer before it renders (exception
    handlers are synchronous in Litestar; an ASGI response is awaited)."""

    def __init__(self, request: Request[Any, Any, Any], detail: str, viewer: Viewer) -> None:
        super().__init__(status_code=HTTP_404_NOT_FOUND)
        self.request = request
        self.detail = detail
        self.viewer = viewer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            groups = await joinable_groups(self.request, self.viewer)
        except SQLAlchemyError as error:  # the page still says what it must, without the list
            log.warning("Groups to join unavailable on %s: %r", self.request.url.path, error)
            groups = []
        page = Template(
            template_name="error.html",
            context={
                "status_code": HTTP_404_NOT_FOUND,
                "detail": self.detail,
                "extra": None,
                "missing_listing": True,
                "login_next": self.request.url.path,
                "joinable_groups": groups,
            },
            status_code=HTTP_404_NOT_FOUND,
        )
        await page.to_asgi_response(None, self.request)(scope, receive, send)


class _DeferredResponse(Response[Any]):
    def __init__(self, page: ASGIResponse) -> None:
        super().__init__(content=None, status_code=HTTP_404_NOT_FOUND)
        self.page = page

    def to_asgi_response(self, app: Any, request: Request[Any, Any, Any], **kwargs: Any) -> ASGIResponse:
        return self.page


def missing_listing_page(request: Request[Any, Any, Any], detail: str) -> Response[Any]:
    """The 404 of a listing's page: the same for a listing that does not exist and for one the
    reader may not see (tests/integration/test_no_existence_oracle.py)."""
    _drop_stale_viewer(request)
    viewer = request.state.get("viewer") or Viewer(None)
    return _DeferredResponse(_MissingListingPage(request, detail, viewer))


def http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    _reader_language(request)
    if isinstance(exc, NotAuthorizedException) and not _is_api(request) and request.method == "GET":
        return Redirect(f"/login?next={quote(request.url.path)}")
    detail = _default_detail(exc.status_code, str(exc.detail))
    if (
        exc.status_code == HTTP_404_NOT_FOUND
        and request.method == "GET"
        and _LISTING_PAGE.fullmatch(request.url.path)
    ):
        return missing_listing_page(request, detail)
    headers = dict(exc.headers) if exc.headers else None
    extra = _translated_extra(exc.extra) if isinstance(exc, ValidationException) else exc.extra
    return _respond(request, exc.status_code, detail, extra or None, headers)


def stale_write(request: Request[Any, Any, Any], exc: StaleDataError) -> Response[Any]:
    message = _("Cette annonce a été modifiée entre-temps. Rechargez-la avant de la modifier.")
    return _respond(request, HTTP_409_CONFLICT, message)


# Seconds a client should wait before trying again when the database does not answer.
RETRY_AFTER_OUTAGE = 5

# Where Litestar reads a request: an error raised there (innermost frame) comes from its bytes.
_REQUEST_READING_FILES = (
    "litestar/connection/",
    "litestar/_multipart.py",
    "litestar/_parsers.py",
    "litestar/serialization/",
    "litestar/_signature/",
    "litestar/_kwargs/extractors.py",
    "urllib/parse.py",
)
_REQUEST_READING_FUNCTIONS = ("decode", "parse", "json", "form", "body", "msgpack", "unquote")


def _innermost_frame(traceback: TracebackType | None) -> tuple[str, str] | None:
    last: tuple[str, str] | None = None
    while traceback is not None:
        code = traceback.tb_frame.f_code
        last = (code.co_filename.replace("\\", "/"), code.co_name)
        traceback = traceback.tb_next
    return last


def raised_reading_request(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while Litestar decoded the request (body, form, query), rather
    than by the application's own code, where the same exception is a bug."""
    frame = _innermost_frame(exc.__traceback__)
    if frame is None:
        return False
    filename, function = frame
    return any(part in filename for part in _REQUEST_READING_FILES) and function.startswith(
        _REQUEST_READING_FUNCTIONS
    )


def unreadable_request(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """JSON nested too deep (RecursionError), text that is not UTF-8 (UnicodeDecodeError), a
    malformed body (ValueError): 400 when Litestar raised it reading the request, else a bug."""
    if not raised_reading_request(exc):
        return unexpected(request, exc)
    _reader_language(request)
    log.info("Unreadable request on %s %s: %r", request.method, request.url.path, exc)
    if isinstance(exc, RecursionError):
        detail = _("Les données envoyées sont imbriquées trop profondément.")
    elif isinstance(exc, UnicodeDecodeError):
        detail = _("Le texte envoyé n'est pas un texte valide (UTF-8 attendu).")
    else:
        detail = _("La requête est mal formée.")
    return _respond(request, HTTP_400_BAD_REQUEST, detail)


def value_out_of_range(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A value the database cannot store: an integer past 64 bits (SQLite's OverflowError), a
    NUL character or an out-of-range number refused by PostgreSQL (DataError). Handlers should
    bound their inputs; this keeps one they forgot from answering 500."""
    _reader_language(request)
    log.warning("Value refused on %s %s: %r", request.method, request.url.path, exc)
    return _respond(
        request, HTTP_400_BAD_REQUEST, _("Une des valeurs envoyées est invalide ou hors limites.")
    )


def _is_refused_data(exc: BaseException) -> bool:
    """A DataError, or what asyncpg reports as one without SQLAlchemy naming it so: SQLSTATE
    class 22, "data exception" (a NUL character, an invalid byte sequence, a number out of range)."""
    if isinstance(exc, DataError):
        return True
    for cause in _causes(exc):
        code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(code, str) and code.startswith("22"):
            return True
    return False


def _is_outage(exc: Exception) -> bool:
    # TimeoutError: asyncpg's connect timeout (config.CONNECT_TIMEOUT_SECONDS), unwrapped.
    kinds = (ConnectionError, TimeoutError, PoolTimeoutError, OperationalError, InterfaceError)
    if isinstance(exc, kinds):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database is unreachable, restarting, or dropped the connection: 503, try again soon.
    Any other database error is a bug (500), except data it refuses (400)."""
    if _is_refused_data(exc):
        return value_out_of_range(request, exc)
    if not _is_outage(exc):
        return unexpected(request, exc)
    _reader_language(request)
    log.error("Database unavailable on %s %s: %r", request.method, request.url.path, exc)
    return _respond(
        request,
        HTTP_503_SERVICE_UNAVAILABLE,
        _("Le service est momentanément indisponible. Réessayez dans quelques instants."),
        headers={"Retry-After": str(RETRY_AFTER_OUTAGE)},
    )


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def repository_error(request: Request[Any, Any, Any], exc: RepositoryError) -> Response[Any]:
    """Advanced Alchemy's repositories wrap every SQLAlchemy error (an outage, refused data) in
    one of theirs, which its own handler turns into a 409 in English: look at the cause."""
    for cause in _causes(exc)[1:]:
        if isinstance(cause, (DBAPIError, PoolTimeoutError, ConnectionError, TimeoutError)):
            if isinstance(cause, IntegrityError):
                break
            return database_error(request, cause)
        if isinstance(cause, OverflowError):
            return value_out_of_range(request, cause)
    _reader_language(request)
    if isinstance(exc, NotFoundError):
        return _respond(request, HTTP_404_NOT_FOUND, _("Page introuvable."))
    if isinstance(exc, (DuplicateKeyError, ForeignKeyError, RepositoryIntegrityError)):
        message = _("Ces informations entrent en conflit avec des données existantes.")
        return _respond(request, HTTP_409_CONFLICT, message)
    return unexpected(request, exc)


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
    RepositoryError: repository_error,
    RecursionError: unreadable_request,
    ValueError: unreadable_request,  # UnicodeDecodeError among them
    OverflowError: value_out_of_range,
    DBAPIError: database_error,  # DataError, OperationalError, InterfaceError, disconnects
    PoolTimeoutError: database_error,
    ConnectionError: database_error,  # refused or reset before SQLAlchemy wraps it
    TimeoutError: database_error,
    Exception: unexpected,
}
