"""The API's saved-search types (msgspec Structs, never the ORM rows): ``q`` and the filters of
``/api/v1/search`` under the same names, and how the alert tells."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec

from marketplace.alerts.criteria import LIST_KEYS, NAME_MAX_LENGTH, Criteria
from marketplace.alerts.models import Frequency, SavedSearch
from marketplace.discovery.queries import QUERY_MAX_LENGTH, VALUES_MAX, FindableStatus
from marketplace.listings.models import ListingKind

Values = Annotated[list[str], msgspec.Meta(max_length=VALUES_MAX)]
Hour = Annotated[int, msgspec.Meta(ge=0, le=23)]


class SavedSearchInput(msgspec.Struct, forbid_unknown_fields=True):
    """A saved search: what to look for (as ``/api/v1/search`` takes it) and how to be told."""

    q: Annotated[str, msgspec.Meta(max_length=QUERY_MAX_LENGTH)] = ""
    community: Values = msgspec.field(default_factory=list)  # group slugs
    category: Annotated[list[uuid.UUID], msgspec.Meta(max_length=VALUES_MAX)] = msgspec.field(
        default_factory=list
    )
    kind: list[ListingKind] = msgspec.field(default_factory=list)
    min_price: float | None = None
    max_price: float | None = None
    size: Values = msgspec.field(default_factory=list)
    shoe_size: Values = msgspec.field(default_factory=list)
    condition: Values = msgspec.field(default_factory=list)
    gender: Values = msgspec.field(default_factory=list)
    area: Values = msgspec.field(default_factory=list)
    status: list[FindableStatus] = msgspec.field(default_factory=list)
    frequency: Frequency = Frequency.INSTANT
    digest_hour: Hour = 18  # Paris time, for a daily digest
    size_step_months: int | None = None  # the size moves on by itself every so many months
    name: Annotated[str, msgspec.Meta(max_length=NAME_MAX_LENGTH)] = ""

    def criteria(self) -> dict[str, Any]:
        raw: dict[str, Any] = {"q": self.q, "min_price": self.min_price, "max_price": self.max_price}
        for key in LIST_KEYS:
            raw[key] = [str(value) for value in getattr(self, key)]
        return raw


class SavedSearchPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The fields to change; the others stay as they are."""

    q: Annotated[str, msgspec.Meta(max_length=QUERY_MAX_LENGTH)] | msgspec.UnsetType = msgspec.UNSET
    community: Values | msgspec.UnsetType = msgspec.UNSET
    category: Annotated[list[uuid.UUID], msgspec.Meta(max_length=VALUES_MAX)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    kind: list[ListingKind] | msgspec.UnsetType = msgspec.UNSET
    min_price: float | msgspec.UnsetType | None = msgspec.UNSET
    max_price: float | msgspec.UnsetType | None = msgspec.UNSET
    size: Values | msgspec.UnsetType = msgspec.UNSET
    shoe_size: Values | msgspec.UnsetType = msgspec.UNSET
    condition: Values | msgspec.UnsetType = msgspec.UNSET
    gender: Values | msgspec.UnsetType = msgspec.UNSET
    area: Values | msgspec.UnsetType = msgspec.UNSET
    status: list[FindableStatus] | msgspec.UnsetType = msgspec.UNSET
    frequency: Frequency | msgspec.UnsetType = msgspec.UNSET
    digest_hour: Hour | msgspec.UnsetType = msgspec.UNSET
    size_step_months: int | msgspec.UnsetType | None = msgspec.UNSET
    name: Annotated[str, msgspec.Meta(max_length=NAME_MAX_LENGTH)] | msgspec.UnsetType = msgspec.UNSET

    def changes(self) -> dict[str, Any]:
        return {
            key: ([str(item) for item in value] if isinstance(value, list) else value)
            for key in self.__struct_fields__
            if (value := getattr(self, key)) is not msgspec.UNSET
        }


class SavedSearchOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    q: str
    community: list[str]
    category: list[str]
    kind: list[str]
    min_price: float | None
    max_price: float | None
    size: list[str]  # points of the scale ("2 ans" is kept as "24 mois")
    shoe_size: list[str]
    condition: list[str]
    gender: list[str]
    area: list[str]
    status: list[str]
    frequency: Frequency
    digest_hour: int
    next_digest_at: datetime.datetime | None
    size_step_months: int | None
    next_size_step_at: datetime.datetime | None
    matches: int
    search_url: str  # the search page showing what it watches
    created_at: datetime.datetime

    @classmethod
    def of(cls, saved: SavedSearch, criteria: Criteria, matches: int = 0) -> SavedSearchOut:
        return cls(
            id=saved.id,
            name=saved.name,
            q=criteria.q,
            **{key: list(getattr(criteria, key)) for key in LIST_KEYS},
            min_price=criteria.min_price,
            max_price=criteria.max_price,
            frequency=saved.frequency,
            digest_hour=saved.digest_hour,
            next_digest_at=saved.next_digest_at,
            size_step_months=saved.size_step_months,
            next_size_step_at=saved.next_size_step_at,
            matches=matches,
            search_url=criteria.search_url(),
            created_at=saved.created_at,
        )


class SavedSearchList(msgspec.Struct):
    items: list[SavedSearchOut]
    total: int
