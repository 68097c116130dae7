"""Small pieces every HTML form handler needs."""

from __future__ import annotations

import enum
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body, QueryParameter
from litestar.plugins.flash import flash
from litestar.response import Redirect

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
NextParam = Annotated[str | None, QueryParameter(name="next", required=False)]

E = TypeVar("E", bound=enum.Enum)


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to after a form; anything else would be an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def text(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def values(form: dict[str, Any], name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), trimmed, blanks dropped."""
    raw = form.get(name, [])
    items = raw if isinstance(raw, list) else [raw]
    return [str(item).strip() for item in items if str(item).strip()]


def choice_or_none(choices: type[E], value: str | None) -> E | None:
    """``value`` read as one of ``choices`` the way Litestar reads an enum-typed parameter, or
    None when blank or unknown: a page's filter drops a stale or hand-edited value where the
    API answers 400."""
    try:
        return msgspec.convert(value, choices) if value else None
    except msgspec.ValidationError:
        return None


def see_other(path: str) -> Redirect:
    """The answer to a successful form POST: the browser then GETs ``path`` (no re-post on reload)."""
    return Redirect(path, status_code=303)


def back_with_error(request: Request[Any, Any, Any], path: str, error: HTTPException) -> Redirect:
    """A refused button (already a member, last admin…): its message as a flash, back to ``path``."""
    flash(request, str(error.detail), category="error")
    return see_other(path)
