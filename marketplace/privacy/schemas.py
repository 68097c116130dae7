"""API shapes of the privacy endpoints."""

from __future__ import annotations

import msgspec


class DeletionInput(msgspec.Struct):
    password: str


class DeletionOut(msgspec.Struct):
    withdrawn: int
    photos: int
    memberships: int
