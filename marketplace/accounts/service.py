"""Every write on accounts: registration, verification, password changes and resets, address
changes, API tokens.

Links mailed to people (``AccountLink``) follow OWASP's forgot-password cheat sheet: a random
secret of 256 bits, only its SHA-256 stored, single use, short-lived (verification and address
change 48 h, password reset 1 h), a new one voiding the older ones of the same purpose. The
service returns what must be mailed (``AccountMail``, with the secret) instead of sending it:
the controller sends it once the transaction has committed (see ``accounts/mail.py``).

Answers never tell whether an address has an account: a sign-up with a taken address looks the
same as a new one (its owner is told by mail), and so does a reset asked for an unknown address.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import delete, select, update

from marketplace.accounts import passwords
from marketplace.accounts.emails import normalise_email
from marketplace.accounts.models import AccountLink, ApiToken, LinkPurpose, User
from marketplace.errors import Conflict, InvalidInput, NotFound
from marketplace.web.i18n import current_language
from marketplace.web.i18n import gettext as _

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What others see in place of a deleted account's name (its messages stay in their threads).
DELETED_NAME = "Ancien membre"
TOKEN_PREFIX = "mkt_"  # noqa: S105 (a label, not a secret)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clock() -> datetime.datetime:
    """Now; tests move it (``monkeypatch.setattr(service, "clock", ...)``) to reach an expiry."""
    return datetime.datetime.now(datetime.UTC)


def _now() -> datetime.datetime:
    return clock()


LINK_VALIDITY: dict[LinkPurpose, datetime.timedelta] = {
    LinkPurpose.VERIFY_EMAIL: datetime.timedelta(hours=48),
    LinkPurpose.RESET_PASSWORD: datetime.timedelta(hours=1),
    LinkPurpose.CHANGE_EMAIL: datetime.timedelta(hours=48),
}


class MailKind(enum.StrEnum):
    VERIFY = "verify"  # "confirm your address" (a link)
    RESET = "reset"  # "choose a new password" (a link)
    CHANGE = "change"  # to the new address: "confirm this address" (a link)
    CHANGED = "changed"  # to the old address: "your address was replaced"
    SIGNUP_ATTEMPT = "signup_attempt"  # to the owner of a taken address
    PASSWORD_RESET_DONE = "password_reset_done"  # noqa: S105 (a kind of mail) "your password was changed"


@dataclass(frozen=True)
class AccountMail:
    """An account e-mail to send once the change commits; ``secret`` goes in its link."""

    kind: MailKind
    to_email: str
    display_name: str
    language: str
    secret: str = ""


def mail_to(user: User, kind: MailKind, secret: str = "", email: str | None = None) -> AccountMail:
    return AccountMail(kind, email or user.email, user.display_name, user.language or "fr", secret)


def _check_display_name(display_name: str) -> str | None:
    if not display_name:
        return _("Indiquez un nom affiché.")
    if len(display_name) > 80:
        return _("Le nom affiché doit faire au plus 80 caractères.")
    return None


def _check_email(email: str) -> str | None:
    if not EMAIL_PATTERN.match(email) or len(email) > 320:
        return _("Adresse e-mail invalide.")
    return None


def invalid_link() -> InvalidInput:
    return InvalidInput(
        "token", _("Ce lien n'est plus valable : il a expiré ou a déjà servi. Demandez-en un nouveau.")
    )


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

    async def register(
        self, *, email: str, password: str, display_name: str, is_admin: bool = False, verified: bool = True
    ) -> User:
        """Create an account whose address is vouched for: the operator's command, the demo, the
        tests' fixtures (verified unless told). The public sign-up is ``sign_up``."""
        email = normalise_email(email)
        display_name = display_name.strip()
        errors: dict[str, str] = {}
        if problem := _check_email(email):
            errors["email"] = problem
        if problem := _check_display_name(display_name):
            errors["display_name"] = problem
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
            email_verified_at=_now() if verified else None,
        )
        return await self.create(user)

    async def sign_up(self, *, email: str, password: str, display_name: str) -> AccountMail:
        """The public registration: what to mail, the same whether the address is taken or not.

        A new address gets an unverified account and a link valid 48 h; a taken one gets no
        account, and its owner a mail saying that somebody tried (OWASP: no account oracle), or
        a new verification link if the account there was never confirmed."""
        email = normalise_email(email)
        try:
            user = await self.register(
                email=email, password=password, display_name=display_name, verified=False
            )
        except Conflict:
            existing = await self.by_email(email)
            assert existing is not None  # the conflict was on this address
            await passwords.hash_password(password)  # as long as a real sign-up takes
            if existing.is_active and not existing.is_verified:
                # Most likely its owner again, who lost the first mail: a fresh link, to the
                # address only, as "Renvoyer le lien" would send.
                return mail_to(
                    existing, MailKind.VERIFY, await self.issue_link(existing, LinkPurpose.VERIFY_EMAIL)
                )
            return mail_to(existing, MailKind.SIGNUP_ATTEMPT)
        secret = await self.issue_link(user, LinkPurpose.VERIFY_EMAIL)
        return mail_to(user, MailKind.VERIFY, secret)

    async def issue_link(self, user: User, purpose: LinkPurpose, email: str | None = None) -> str:
        """A new single-use link for ``user`` (older unused ones of ``purpose`` stop working);
        returns its secret, which is mailed and never stored."""
        session = self.repository.session
        now = _now()
        await session.execute(
            update(AccountLink)
            .where(
                AccountLink.user_id == user.id, AccountLink.purpose == purpose, AccountLink.used_at.is_(None)
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        secret = secrets.token_urlsafe(32)
        session.add(
            AccountLink(
                user_id=user.id,
                purpose=purpose,
                digest=token_digest(secret),
                email=email or user.email,
                expires_at=now + LINK_VALIDITY[purpose],
            )
        )
        await session.flush()
        return secret

    async def _use_link(self, secret: str, purpose: LinkPurpose) -> tuple[AccountLink, User]:
        """The link of ``secret`` and its account, now used; 400 if unknown, used or expired."""
        session = self.repository.session
        link = await session.scalar(
            select(AccountLink).where(
                AccountLink.digest == token_digest(secret), AccountLink.purpose == purpose
            )
        )
        now = _now()
        if link is None or link.used_at is not None or link.expires_at <= now:
            raise invalid_link()
        # Conditional, so that two clicks at once cannot both use it.
        won = await session.execute(
            update(AccountLink)
            .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            raise invalid_link()
        user = await self.get_one_or_none(User.id == link.user_id)
        if user is None or not user.is_active:
            raise invalid_link()
        return link, user

    async def resend_verification(self, user: User) -> AccountMail | None:
        """A new verification link for ``user``, or None if already verified."""
        if user.is_verified:
            return None
        return mail_to(user, MailKind.VERIFY, await self.issue_link(user, LinkPurpose.VERIFY_EMAIL))

    async def verify_email(self, secret: str) -> User:
        link, user = await self._use_link(secret, LinkPurpose.VERIFY_EMAIL)
        if link.email != user.email:
            raise invalid_link()  # sent to an address the account no longer has
        if user.email_verified_at is None:
            user.email_verified_at = _now()
        return await self.update(user)

    async def request_password_reset(self, email: str) -> AccountMail | None:
        """The reset mail for the account of ``email``, or None (the caller answers the same)."""
        user = await self.by_email(email)
        if user is None or not user.is_active:
            return None
        return mail_to(user, MailKind.RESET, await self.issue_link(user, LinkPurpose.RESET_PASSWORD))

    async def check_reset_link(self, secret: str) -> None:
        """400 unless ``secret`` is a reset link still usable (the form is shown only then)."""
        link = await self.repository.session.scalar(
            select(AccountLink).where(
                AccountLink.digest == token_digest(secret), AccountLink.purpose == LinkPurpose.RESET_PASSWORD
            )
        )
        if link is None or link.used_at is not None or link.expires_at <= _now():
            raise invalid_link()

    async def reset_password(self, secret: str, new_password: str) -> tuple[User, AccountMail]:
        """A new password through a reset link: every session and API token signed out."""
        check_password_rules(new_password, field="new_password")  # before the link is used up
        _link, user = await self._use_link(secret, LinkPurpose.RESET_PASSWORD)
        if user.email_verified_at is None:
            user.email_verified_at = _now()  # the link reached them: the address is theirs
        user = await self.set_password(user, new_password)
        return user, mail_to(user, MailKind.PASSWORD_RESET_DONE)

    async def change_display_name(self, user: User, display_name: str) -> User:
        display_name = display_name.strip()
        if problem := _check_display_name(display_name):
            raise InvalidInput("display_name", problem)
        user.display_name = display_name
        return await self.update(user)

    async def request_email_change(self, user: User, new_email: str, password: str) -> AccountMail | None:
        """A confirmation link to ``new_email``; the address changes only once it is followed.

        Asks the password again (OWASP: re-authenticate before a sensitive change). A taken
        address gets the same answer, and its owner the sign-up attempt mail instead of a link."""
        new_email = normalise_email(new_email)
        if problem := _check_email(new_email):
            raise InvalidInput("email", problem)
        if not await passwords.verify_password(user.password_hash, password):
            raise InvalidInput("password", _("Le mot de passe est incorrect."))
        if new_email == user.email:
            raise InvalidInput("email", _("C'est déjà votre adresse."))
        owner = await self.by_email(new_email)
        if owner is not None:
            return mail_to(owner, MailKind.SIGNUP_ATTEMPT)
        secret = await self.issue_link(user, LinkPurpose.CHANGE_EMAIL, new_email)
        return mail_to(user, MailKind.CHANGE, secret, email=new_email)

    async def confirm_email_change(self, secret: str) -> tuple[User, AccountMail]:
        """The new address replaces the old one, verified; the old address is told."""
        link, user = await self._use_link(secret, LinkPurpose.CHANGE_EMAIL)
        if await self.by_email(link.email) is not None:
            raise Conflict(_("Cette adresse est déjà celle d'un autre compte."))
        told = mail_to(user, MailKind.CHANGED)  # to the old address, with the new one hidden
        user.email = link.email
        user.email_verified_at = _now()
        return await self.update(user), told

    async def by_email(self, email: str) -> User | None:
        return await self.get_one_or_none(User.email == normalise_email(email))

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user whose credentials these are, or None (same cost whether the email exists)."""
        user = await self.by_email(email)
        valid = await passwords.verify_password(user.password_hash if user else None, password)
        if user is None or not valid or not user.is_active or user.deleted_at is not None:
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

    async def erase(self, user: User) -> User:
        """Empty the account (RGPD art. 17, called by ``privacy.service`` once the other domains
        are done): no address, no name, no password, no token nor link; signed out everywhere.

        The row itself stays, so that what others received from it keeps its thread (messages,
        hand-overs), shown as from "ancien membre". The address is free for a new account."""
        session = self.repository.session
        now = _now()
        await session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        await session.execute(delete(AccountLink).where(AccountLink.user_id == user.id))
        user.email = f"deleted-{user.id.hex}@invalid"  # unique, and no mail goes to .invalid
        user.display_name = DELETED_NAME
        user.password_hash = ""  # matches no password (argon2 refuses an empty hash)
        user.password_changed_at = now  # every session made before is refused
        user.is_active = False
        user.is_admin = False
        user.email_verified_at = None
        user.deleted_at = now
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
