"""What a saved search asks: ``q`` and the filters of ``/api/v1/search``, kept as JSON.

They are checked as the search checks them (``discovery.queries.checked_filters``): a saved
search holds only values the search page would accept, and turns back into the very
``SearchParams`` the page builds, so that an alert asks the index exactly what the page asks.
Sizes are kept as the points of their scale ("2 ans" is "24 mois"), which is what they filter on
and what lets a size move along the scale.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from marketplace.communities.attributes import SHOE_SIZE_SCALE, SIZE_SCALE
from marketplace.discovery.queries import (
    QUERY_MAX_LENGTH,
    FindableStatus,
    SearchParams,
    checked_filters,
    invalid,
)
from marketplace.listings.models import ListingKind
from marketplace.web.i18n import gettext as _

# Keys of the stored criteria: the names of the search's parameters.
LIST_KEYS = ("community", "category", "kind", "size", "shoe_size", "condition", "gender", "area", "status")
NAME_MAX_LENGTH = 120


@dataclass(frozen=True)
class Criteria:
    """A saved search's query, every value already checked."""

    q: str = ""
    community: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    min_price: float | None = None
    max_price: float | None = None
    size: tuple[str, ...] = ()
    shoe_size: tuple[str, ...] = ()
    condition: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    area: tuple[str, ...] = ()
    status: tuple[str, ...] = field(default=())

    @classmethod
    def stored(cls, stored: Mapping[str, Any]) -> Criteria:
        """Criteria as ``as_json`` kept them (checked when saved; the matcher's query checks its
        filters again): quick, for the matcher's every pass over all saved searches."""

        def strings(key: str) -> tuple[str, ...]:
            values = stored.get(key) or ()
            if not isinstance(values, list | tuple) or not all(isinstance(value, str) for value in values):
                raise TypeError(key)
            return tuple(values)

        def price(key: str) -> float | None:
            value = stored.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise TypeError(key)
            return None if value is None else float(value)

        q = stored.get("q") or ""
        if not isinstance(q, str):
            raise TypeError("q")
        return cls(
            q=q,
            **{key: strings(key) for key in LIST_KEYS},
            min_price=price("min_price"),
            max_price=price("max_price"),
        )

    def params(self, per_page: int = 20) -> SearchParams:
        """The search page's parameters for this query."""
        return SearchParams(
            q=self.q,
            communities=self.community,
            categories=[uuid.UUID(value) for value in self.category],
            kinds=[ListingKind(value) for value in self.kind],
            min_price=self.min_price,
            max_price=self.max_price,
            sizes=self.size,
            shoe_sizes=self.shoe_size,
            conditions=self.condition,
            genders=self.gender,
            areas=self.area,
            statuses=[FindableStatus(value) for value in self.status],
            per_page=per_page,
        )

    def as_json(self) -> dict[str, Any]:
        stored: dict[str, Any] = {"q": self.q}
        for key in LIST_KEYS:
            if values := getattr(self, key):
                stored[key] = list(values)
        if self.min_price is not None:
            stored["min_price"] = self.min_price
        if self.max_price is not None:
            stored["max_price"] = self.max_price
        return stored

    @property
    def has_size(self) -> bool:
        return bool(self.size or self.shoe_size)

    def search_url(self, path: str = "/recherche") -> str:
        """The search page showing what this alert watches."""
        pairs: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        for key in LIST_KEYS:
            pairs.extend((key, value) for value in getattr(self, key))
        for key in ("min_price", "max_price"):
            value = getattr(self, key)
            if value is not None:
                pairs.append((key, f"{value:g}"))
        return f"{path}?{urlencode(pairs)}" if pairs else path


def _strings(raw: Mapping[str, Any], key: str) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise invalid(key, _("Une liste de textes est attendue."))
    return [item for item in value if item.strip()]


def _price(raw: Mapping[str, Any], key: str) -> float | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(key, _("Le prix doit être un nombre."))
    return float(value)


def checked_criteria(raw: Mapping[str, Any]) -> Criteria:
    """``raw`` (the API's body, the form, or a stored row) as checked criteria; a 400 naming the
    parameter for a value the search would refuse."""
    q = raw.get("q") or ""
    if not isinstance(q, str):
        raise invalid("q", _("Le texte recherché doit être un texte."))
    if "\x00" in q:
        raise invalid("q", _("Ce texte contient un caractère invalide."))
    if len(q) > QUERY_MAX_LENGTH:
        raise invalid("q", _("Ce texte est trop long : %(max)s caractères au plus.", max=QUERY_MAX_LENGTH))
    categories: list[str] = []
    for value in _strings(raw, "category"):
        try:
            categories.append(str(uuid.UUID(value)))
        except ValueError as error:
            raise invalid("category", _("Catégorie inconnue : « %(value)s ».", value=value[:80])) from error
    kinds = _strings(raw, "kind")
    for value in kinds:
        if value not in ListingKind._value2member_map_:
            raise invalid("kind", _("Valeur inconnue : « %(value)s ».", value=value[:80]))
    statuses = _strings(raw, "status")
    for value in statuses:
        if value not in FindableStatus._value2member_map_:
            raise invalid("status", _("Valeur inconnue : « %(value)s ».", value=value[:80]))
    params = SearchParams(
        q=q,
        communities=_strings(raw, "community"),
        categories=[uuid.UUID(value) for value in categories],
        kinds=[ListingKind(value) for value in kinds],
        min_price=_price(raw, "min_price"),
        max_price=_price(raw, "max_price"),
        sizes=_strings(raw, "size"),
        shoe_sizes=_strings(raw, "shoe_size"),
        conditions=_strings(raw, "condition"),
        genders=_strings(raw, "gender"),
        areas=_strings(raw, "area"),
        statuses=[FindableStatus(value) for value in statuses],
    )
    filters = checked_filters(params)  # the search's own checks, and its size points
    communities = tuple(dict.fromkeys(" ".join(slug.split()) for slug in params.communities))
    if len(communities) > 50:
        raise invalid("community", _("Trop de valeurs : %(max)s au plus.", max=50))
    return Criteria(
        q=" ".join(q.split()),
        community=communities,
        category=filters.category_ids,
        kind=filters.kinds,
        min_price=filters.min_price,
        max_price=filters.max_price,
        size=filters.sizes,
        shoe_size=filters.shoe_sizes,
        condition=filters.conditions,
        gender=filters.genders,
        area=filters.pickup_areas,
        status=tuple(dict.fromkeys(statuses)),
    )


# --- sizes that move on ---------------------------------------------------------------------------


def _next_points(points: Sequence[str], scale: Sequence[str]) -> tuple[str, ...]:
    """Each point one step further along ``scale`` (the last stays the last)."""
    order = {value: position for position, value in enumerate(scale)}
    moved = [scale[min(order[point] + 1, len(scale) - 1)] for point in points if point in order]
    return tuple(dict.fromkeys(moved))


def grown(criteria: Criteria) -> Criteria | None:
    """The criteria with their sizes one step further along the French scale, or None when no
    size can move any more (already at the last one)."""
    sizes = _next_points(criteria.size, SIZE_SCALE)
    shoes = _next_points(criteria.shoe_size, SHOE_SIZE_SCALE)
    if sizes == criteria.size and shoes == criteria.shoe_size:
        return None
    return dataclasses.replace(criteria, size=sizes, shoe_size=shoes)


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """``moment`` ``months`` calendar months later (the 31st becomes the month's last day)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))
