"""API shapes of accounts (msgspec Structs, never the ORM models)."""

from __future__ import annotations

import datetime
import uuid

import msgspec

from marketplace.accounts.models import ApiToken, User


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

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, email=user.email, display_name=user.display_name, is_admin=user.is_admin)


class TokenOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenOut:
        return cls(
            id=row.id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
        )


class NewTokenOut(msgspec.Struct):
    id: uuid.UUID
    token: str
    name: str
