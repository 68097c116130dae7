"""API shapes of communities, memberships and categories (msgspec Structs, never the ORM models).

Also the two conversions every domain's shapes use: a row to its output shape, a PATCH body to
the changes it carries.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from marketplace.communities.models import (
    Category,
    Community,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Role,
    Visibility,
)

OutT = TypeVar("OutT", bound=msgspec.Struct)


def from_row(out_type: type[OutT], row: object, **computed: Any) -> OutT:
    """``out_type`` from the row's attributes of the same names, and ``computed`` for the others.

    A computed UNSET leaves its field out. msgspec checks every value against its field's type."""
    values = {name: getattr(row, name) for name in out_type.__struct_fields__ if name not in computed}
    values.update((name, value) for name, value in computed.items() if value is not UNSET)
    return msgspec.convert(values, out_type)


def set_fields(struct: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body carries (absent ones are UNSET)."""
    return {
        name: getattr(struct, name) for name in struct.__struct_fields__ if getattr(struct, name) is not UNSET
    }


# --- communities -------------------------------------------------------------------------------


class CommunityInput(msgspec.Struct):
    slug: str
    name: str
    description: str = ""
    rules: str = ""
    visibility: Visibility = Visibility.PUBLIC
    join_policy: JoinPolicy = JoinPolicy.OPEN
    join_question: str = ""
    pickup_areas: list[str] = msgspec.field(default_factory=list)
    template: str = "none"
    listing_lifetime_days: int = 30


class CommunityPatch(msgspec.Struct):
    name: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    rules: str | UnsetType = UNSET
    visibility: Visibility | UnsetType = UNSET
    join_policy: JoinPolicy | UnsetType = UNSET
    join_question: str | UnsetType = UNSET
    pickup_areas: list[str] | UnsetType = UNSET
    listing_lifetime_days: int | UnsetType = UNSET
    max_active_listings: int | UnsetType = UNSET
    repost_delay_days: int | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        return set_fields(self)


class MembershipOut(msgspec.Struct):
    id: uuid.UUID
    community_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    role: Role
    status: MembershipStatus
    answer: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    decision_message: str

    @classmethod
    def of(cls, membership: Membership) -> MembershipOut:
        return from_row(cls, membership, display_name=membership.user.display_name)


class CommunityOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    rules: str
    visibility: Visibility
    join_policy: JoinPolicy
    join_question: str
    pickup_areas: list[str]
    listing_lifetime_days: int
    max_active_listings: int
    repost_delay_days: int
    created_at: datetime.datetime
    # The reader's own membership (any status, so that an applicant sees a rejection message).
    my_membership: MembershipOut | None

    @classmethod
    def of(cls, community: Community, membership: Membership | None) -> CommunityOut:
        return from_row(
            cls,
            community,
            pickup_areas=list(community.pickup_areas or []),
            my_membership=MembershipOut.of(membership) if membership is not None else None,
        )


class JoinInput(msgspec.Struct):
    answer: str = ""


class DecisionInput(msgspec.Struct):
    message: str = ""


class RoleInput(msgspec.Struct):
    role: Role


# --- categories --------------------------------------------------------------------------------


class CategoryInput(msgspec.Struct):
    name: str
    parent_id: uuid.UUID | None = None
    attributes: list[str] = msgspec.field(default_factory=list)
    position: int | None = None


class CategoryPatch(msgspec.Struct):
    name: str | UnsetType = UNSET
    parent_id: uuid.UUID | UnsetType | None = UNSET
    attributes: list[str] | UnsetType = UNSET
    position: int | UnsetType = UNSET
    archived: bool | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        return set_fields(self)


class CategoryOrder(msgspec.Struct):
    ids: list[uuid.UUID]


class MergeInput(msgspec.Struct):
    into: uuid.UUID


class CategoryOut(msgspec.Struct):
    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    position: int
    parent_id: uuid.UUID | None
    archived: bool
    attributes: list[str]
    listing_count: int

    @classmethod
    def of(cls, category: Category, listing_count: int = 0) -> CategoryOut:
        return from_row(
            cls, category, attributes=list(category.attributes or []), listing_count=listing_count
        )


class MergeOut(msgspec.Struct):
    id: uuid.UUID
    moved: int
    source: CategoryOut
    into: CategoryOut
