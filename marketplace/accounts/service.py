"""Every write on accounts: registration, password changes, API tokens."""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
import uuid

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import select, update

from marketplace.accounts import passwords
from marketplace.accounts.emails import normalise_email
from marketplace.accounts.models import ApiToken, User
from marketplace.errors import Conflict, InvalidInput, NotFound
from marketplace.web.i18n import current_language
from marketplace.web.i18n import gettext as _

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "mkt_"  # noqa: S105 (a label, not a secret)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def check_password_rules(password: str, field: str = "password") -> None:
    """At least 10 characters, at most 128, no composition rules (NIST SP 800-63B)."""
    if len(password) < passwords.MIN_LENGTH:
        raise InvalidInput(field, _("Le mot de passe doit faire au moins 10 caractères."))
    if len(password) > passwords.MAX_LENGTH:
        raise InvalidInput(field, _("Le mot de passe doit faire au plus 128 caractères."))


class UserService(SQLAlchemyAsyncRepositoryService[User]):
    class Repo(SQLAlchemyAsyncRepository[User]):
        model_type = User

    repository_type = Repo

    async def register(self, *, email: str, password: str, display_name: str, is_admin: bool = False) -> User:
        """Create an account; the email is unique, case-insensitively."""
        email = normalise_email(email)
        display_name = display_name.strip()
        errors: dict[str, str] = {}
        if not EMAIL_PATTERN.match(email) or len(email) > 320:
            errors["email"] = _("Adresse e-mail invalide.")
        if not display_name:
            errors["display_name"] = _("Indiquez un nom affiché.")
        elif len(display_name) > 80:
            errors["display_name"] = _("Le nom affiché doit faire au plus 80 caractères.")
        try:
            check_password_rules(password)
        except InvalidInput as error:
            errors["password"] = error.message
        if errors:
            raise InvalidInput.many(errors)
        if await self.by_email(email) is not None:
            raise Conflict(_("Un compte existe déjà avec cette adresse e-mail."))
        user = User(
            email=email,
            display_name=display_name,
            password_hash=await passwords.hash_password(password),
            is_admin=is_admin,
            language=current_language.get(),  # the e-mails' language: the one they registered in
        )
        return await self.create(user)

    async def by_email(self, email: str) -> User | None:
        return await self.get_one_or_none(User.email == normalise_email(email))

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user whose credentials these are, or None (same cost whether the email exists)."""
        user = await self.by_email(email)
        valid = await passwords.verify_password(user.password_hash if user else None, password)
        if user is None or not valid or not user.is_active:
            return None
        return user

    async def change_password(self, user: User, current_password: str, new_password: str) -> User:
        if not await passwords.verify_password(user.password_hash, current_password):
            raise InvalidInput("current_password", _("Le mot de passe actuel est incorrect."))
        return await self.set_password(user, new_password)

    async def set_password(self, user: User, new_password: str) -> User:
        """A new password (also the CLI's reset, without the current one).

        Every other way in stops working: sessions opened before (``password_changed_at``) and
        every API token of the account, revoked here in the same transaction."""
        check_password_rules(new_password, field="new_password")
        now = _now()
        user.password_hash = await passwords.hash_password(new_password)
        user.password_changed_at = now
        await self.repository.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return await self.update(user)


class ApiTokenService(SQLAlchemyAsyncRepositoryService[ApiToken]):
    class Repo(SQLAlchemyAsyncRepository[ApiToken]):
        model_type = ApiToken

    repository_type = Repo

    async def issue(self, user: User, name: str = "") -> tuple[ApiToken, str]:
        """A new token for ``user``: the row, and the token itself, shown only this once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = await self.create(
            ApiToken(
                user_id=user.id, name=name.strip()[:80], token_hash=token_digest(token), prefix=token[:12]
            )
        )
        return row, token

    async def user_for(self, token: str) -> User | None:
        row = await self.get_one_or_none(
            ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None)
        )
        if row is None or not row.user.is_active:
            return None
        now = _now()
        # Written at most once a minute, so that a busy API client does not write on every call.
        if row.last_used_at is None or now - row.last_used_at > datetime.timedelta(minutes=1):
            row.last_used_at = now
        return row.user

    async def of_user(self, user: User) -> list[ApiToken]:
        result = await self.repository.session.execute(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
        return list(result.scalars())

    async def revoke(self, user: User, token_id: uuid.UUID) -> None:
        row = await self.get_one_or_none(ApiToken.id == token_id, ApiToken.user_id == user.id)
        if row is None or row.revoked_at is not None:
            raise NotFound(_("Ce jeton n'existe pas."))
        row.revoked_at = _now()
        await self.update(row)
