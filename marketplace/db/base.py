"""The declarative base every model derives from, and enum columns stored as plain strings."""

from __future__ import annotations

import enum
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from sqlalchemy import Enum

Base = UUIDv7AuditBase
metadata = orm_registry.metadata


def enum_column(enum_class: type[enum.Enum], **kwargs: Any) -> Enum:
    """A VARCHAR column holding the enum's values (not its names), portable across databases."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        **kwargs,
    )
