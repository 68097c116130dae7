"""What the OpenAPI document says about the API's error answers.

Every handler lists the error statuses it can answer, in one line:
``responses=errors(401, 404, 409)``. The body is the one ``marketplace/web/errors.py`` answers.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec


class ErrorBody(msgspec.Struct):
    """An error answer of the API: its status, a message for people, and the fields at fault."""

    status_code: int
    detail: str
    # For a refused input: a list of ``{"key", "message", "source"}``, one per field at fault.
    extra: list[dict[str, Any]] | dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


WHY: dict[int, str] = {
    400: "The request is invalid: a field, parameter or body at fault (named in ``extra``).",
    401: "Not signed in (session or bearer token), or the credentials are wrong.",
    403: "Signed in, but not allowed to do this.",
    404: "Not found, or not visible to the reader (the same answer either way).",
    409: "The object's state does not allow this now (stale version, already done, full).",
    413: "The body is too large.",
    415: "The file's type is not accepted.",
    422: "The file is unreadable or too large once decoded.",
    429: "Too many attempts: wait for the number of seconds in ``Retry-After``.",
    503: "A service behind this one (the search index, the database) is briefly unavailable: "
    "try again after the number of seconds in ``Retry-After``.",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The ``responses=`` of a handler that can answer these error statuses."""
    return {
        status: ResponseSpec(data_container=ErrorBody, description=WHY[status], generate_examples=False)
        for status in statuses
    }
