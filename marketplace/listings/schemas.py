"""API shapes of listings (msgspec Structs, never the ORM model).

Prices travel in euros (a number, or null); the database keeps cents.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from litestar.params import KwargDefinition
from msgspec import UNSET, UnsetType

from marketplace.communities.schemas import from_row, set_fields
from marketplace.listings.models import Listing, ListingKind, ListingStatus
from marketplace.listings.rules import ListingFields, cents_to_euros
from marketplace.photos.models import Photo
from marketplace.photos.schemas import PhotoOut

# The kind an author sends stays a string here, its values listed in the OpenAPI document: the
# service checks it with the other fields, so that one answer names every field at fault.
KIND_VALUES = KwargDefinition(schema_extra={"enum": [kind.value for kind in ListingKind]})


class ListingInput(msgspec.Struct):
    kind: Annotated[str, KIND_VALUES]
    title: str
    category_id: uuid.UUID
    description: str = ""
    condition: str | None = None
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    pickup_area: str = ""
    price: float | None = None
    wanted_in_exchange: str = ""
    draft: bool = False

    def fields(self) -> ListingFields:
        return ListingFields(
            kind=self.kind,
            title=self.title,
            category_id=self.category_id,
            description=self.description,
            condition=self.condition,
            attributes=self.attributes,
            pickup_area=self.pickup_area,
            price=_exact(self.price),
            wanted_in_exchange=self.wanted_in_exchange,
        )


class ListingPatch(msgspec.Struct):
    """An edit: the ``version`` the author read, and only the fields to change."""

    # Required, as the document says: a missing one is a 400 whose ``extra`` names ``version``
    # (web/errors.py names the field where Litestar would say "data").
    version: int
    kind: Annotated[str | UnsetType, KIND_VALUES] = UNSET
    title: str | UnsetType = UNSET
    category_id: uuid.UUID | UnsetType = UNSET
    description: str | UnsetType = UNSET
    condition: str | UnsetType | None = UNSET
    attributes: dict[str, Any] | UnsetType = UNSET
    pickup_area: str | UnsetType = UNSET
    price: float | UnsetType | None = UNSET
    wanted_in_exchange: str | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        changes = set_fields(self)
        changes.pop("version", None)
        if "price" in changes:
            changes["price"] = _exact(changes["price"])
        return changes


def _exact(price: float | None) -> str | None:
    # The shortest text of the float ("12.5"), so that the service counts its decimals exactly.
    return None if price is None else repr(price)


class StatusInput(msgspec.Struct):
    status: ListingStatus
    reason: str = ""
    version: int | None = None


class AuthorOut(msgspec.Struct):
    id: uuid.UUID
    display_name: str


class ListingOut(msgspec.Struct):
    id: uuid.UUID
    ref: str | None
    community: str
    category_id: uuid.UUID
    category: str
    author: AuthorOut
    kind: ListingKind
    title: str
    description: str
    price: float | None
    wanted_in_exchange: str
    condition: str | None
    attributes: dict[str, Any]
    pickup_area: str
    status: ListingStatus
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    published_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    status_changed_at: datetime.datetime | None
    # Only for the author and the community's moderators (omitted for everybody else).
    removal_reason: str | UnsetType = UNSET
    # Cover first; each with its variant URLs (``urls.thumb``, ``urls.medium``, ``urls.large``).
    photos: list[PhotoOut] = msgspec.field(default_factory=list)

    @classmethod
    def of(cls, listing: Listing, *, show_removal: bool = False, photos: Sequence[Photo] = ()) -> ListingOut:
        return from_row(
            cls,
            listing,
            community=listing.community.slug,
            category=listing.category.name,
            author=AuthorOut(id=listing.author_id, display_name=listing.author.display_name),
            price=cents_to_euros(listing.price_cents),
            attributes=dict(listing.attributes or {}),
            removal_reason=listing.removal_reason if show_removal else UNSET,
            photos=[PhotoOut.of(photo, listing.title) for photo in photos],
        )
