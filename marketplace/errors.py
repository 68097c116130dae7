"""The errors services raise, each with the HTTP status and a message a neighbour understands.

They derive from Litestar's HTTP exceptions, so the API answers with Litestar's error body
(``status_code``, ``detail``, ``extra``) and the pages show the same message in the form.
"""

from __future__ import annotations

from typing import Any

from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_429_TOO_MANY_REQUESTS

from marketplace.web.i18n import gettext as _


class InvalidInput(ValidationException):
    """400, naming the field at fault, as Litestar does for a body that fails validation."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(detail=message, extra=[{"key": field, "message": message, "source": "body"}])

    @classmethod
    def many(cls, errors: dict[str, str]) -> InvalidInput:
        first_field, first_message = next(iter(errors.items()))
        error = cls(first_field, first_message)
        error.extra = [{"key": key, "message": msg, "source": "body"} for key, msg in errors.items()]
        return error

    @property
    def field_errors(self) -> dict[str, str]:
        extra: list[dict[str, Any]] = self.extra if isinstance(self.extra, list) else []
        return {str(item["key"]): str(item["message"]) for item in extra}


class NotFound(NotFoundException):
    """404: the object does not exist, or the reader may not know that it does."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail=detail or _("Page introuvable."))


class Forbidden(PermissionDeniedException):
    """403: the reader sees the object but may not do this to it."""


class Conflict(ClientException):
    """409: the request is valid but the object's state does not allow it (yet)."""

    status_code = HTTP_409_CONFLICT


class TooManyAttempts(HTTPException):
    status_code = HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail=detail, headers={"Retry-After": str(retry_after)})
