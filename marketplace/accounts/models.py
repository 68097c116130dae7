"""People, their API tokens, and the single-use links mailed to them (verification, reset)."""

from __future__ import annotations

import datetime
import enum
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db.base import Base, enum_column


class User(Base):
    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on every password change: sessions made before it are no longer accepted.
    password_changed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # The language of the e-mails they receive ("fr" or "en"), chosen on their account page.
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")
    # When the owner followed the link mailed to ``email``; None: they may browse and ask to
    # join, but not post nor write to anyone yet (``dependencies.require_verified``).
    email_verified_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # The account was deleted (RGPD art. 17): the row stays, emptied, so that the messages the
    # other neighbours received keep their thread, shown from "ancien membre".
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class ApiToken(Base):
    """A personal bearer token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_token"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class LinkPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"  # the address given at registration (48 h)
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a secret) "mot de passe oublié" (1 h)
    CHANGE_EMAIL = "change_email"  # a new address, which replaces the old one once followed (48 h)


class AccountLink(Base):
    """A link mailed to someone, valid once until ``expires_at``. Only the SHA-256 of its secret
    is stored (``service.token_digest``): a copy of the database opens no account."""

    __tablename__ = "account_link"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The address the link was sent to (and, for a change, the one it puts on the account).
    email: Mapped[str] = mapped_column(String(320))
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
