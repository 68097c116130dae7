"""The list envelope of the API: ``{"items": [...], "total": N, "page": P, "per_page": K}``."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")

DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 100


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def clamp(page: int, per_page: int) -> tuple[int, int]:
    """Page numbers start at 1; out-of-range values are brought back in range, not refused."""
    return max(1, page), min(MAX_PER_PAGE, max(1, per_page))
