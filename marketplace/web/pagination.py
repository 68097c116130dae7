"""The list envelope of the API: ``{"items": [...], "total": N, "page": P, "per_page": K}``."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec
from litestar.exceptions import ValidationException

from marketplace.web.i18n import gettext as _

T = TypeVar("T")

DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 100
# Far past any real list, and small enough that the offset fits every database's integer.
MAX_PAGE = 10_000


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _out_of_bounds(name: str, message: str) -> ValidationException:
    return ValidationException(detail=message, extra=[{"key": name, "message": message, "source": "query"}])


def clamp(page: int, per_page: int) -> tuple[int, int]:
    """The page and page size every list handler uses, bounded once here.

    Below 1 they are brought back to 1 (a stale or hand-edited link still shows a list); past
    ``MAX_PAGE`` or ``MAX_PER_PAGE`` they are refused with a 400 naming the parameter, rather
    than reaching the database as an offset it cannot hold.
    """
    if page > MAX_PAGE:
        raise _out_of_bounds("page", _("Le numéro de page doit être au plus %(max)s.", max=MAX_PAGE))
    if per_page > MAX_PER_PAGE:
        message = _("Le nombre d'éléments par page doit être au plus %(max)s.", max=MAX_PER_PAGE)
        raise _out_of_bounds("per_page", message)
    return max(1, page), max(1, per_page)
