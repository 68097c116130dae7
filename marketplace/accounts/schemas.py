"""API shapes of accounts (msgspec Structs, never the ORM models).

``UserOut`` and ``TokenOut`` are filled from the rows by ``msgspec.convert(..., from_attributes=True)``:
their fields are the rows' own."""

from __future__ import annotations

import datetime
import uuid

import msgspec


class RegisterInput(msgspec.Struct):
    email: str
    password: str
    display_name: str


class Credentials(msgspec.Struct):
    email: str
    password: str


class TokenInput(msgspec.Struct):
    email: str
    password: str
    name: str = ""


class PasswordChange(msgspec.Struct):
    current_password: str
    new_password: str


class UserOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    display_name: str
    is_admin: bool
    is_verified: bool  # whether the address is confirmed (posting and messages wait for it)


class Accepted(msgspec.Struct):
    """The answer that tells nothing more than "done, look in the mailbox"."""

    detail: str


class ProfileInput(msgspec.Struct):
    display_name: str


class EmailChange(msgspec.Struct):
    email: str
    password: str


class TokenOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None


class NewTokenOut(msgspec.Struct):
    id: uuid.UUID
    token: str
    name: str
