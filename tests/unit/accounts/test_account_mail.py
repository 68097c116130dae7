"""The account e-mails' words and links, and the verified-address rule, without a server."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from marketplace.accounts.guards import ensure_verified
from marketplace.accounts.mail import compose
from marketplace.accounts.models import LinkPurpose, User
from marketplace.accounts.service import LINK_VALIDITY, AccountMail, MailKind
from marketplace.errors import Forbidden
from marketplace.settings import PROJECT_ROOT, MailSettings

MAIL = MailSettings(
    smtp_url="",
    from_address="Voisins <ne-pas-repondre@example.org>",
    base_url="https://voisins.example",
    outbox_dir=Path("/nonexistent"),
)


def text_of(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        (MailKind.VERIFY, "/account/verify/"),
        (MailKind.RESET, "/password/reset/"),
        (MailKind.CHANGE, "/account/email/confirm/"),
    ],
)
def test_a_link_mail_carries_its_single_use_link_in_both_parts(kind: MailKind, path: str) -> None:
    message = compose(
        AccountMail(kind, "lea@example.org", "Léa", "fr", "s3cr3t"), MAIL, PROJECT_ROOT / "templates"
    )
    link = f"https://voisins.example{path}s3cr3t"
    assert link in text_of(message)
    assert link in message.get_body(("html",)).get_content()
    assert message["To"] == "=?utf-8?q?L=C3=A9a?= <lea@example.org>" or "lea@example.org" in message["To"]
    assert "List-Unsubscribe" not in message


def test_account_mails_are_in_the_recipients_language() -> None:
    french = compose(
        AccountMail(MailKind.RESET, "jo@example.org", "Jo", "fr", "x"), MAIL, PROJECT_ROOT / "templates"
    )
    english = compose(
        AccountMail(MailKind.RESET, "jo@example.org", "Jo", "en", "x"), MAIL, PROJECT_ROOT / "templates"
    )
    assert french["Subject"] == "Choisir un nouveau mot de passe"
    assert english["Subject"] == "Choose a new password"
    assert english["Content-Language"] == "en" and "valid for one hour" in text_of(english)


def test_the_mail_to_the_old_address_has_no_link_to_follow_and_names_no_new_address() -> None:
    message = compose(
        AccountMail(MailKind.CHANGED, "old@example.org", "Jo", "fr"), MAIL, PROJECT_ROOT / "templates"
    )
    assert "/account/email/confirm/" not in text_of(message)
    assert "@" not in text_of(message).replace("old@example.org", "")


def test_links_last_48_hours_for_addresses_and_one_hour_for_a_reset() -> None:
    assert LINK_VALIDITY[LinkPurpose.VERIFY_EMAIL] == datetime.timedelta(hours=48)
    assert LINK_VALIDITY[LinkPurpose.CHANGE_EMAIL] == datetime.timedelta(hours=48)
    assert LINK_VALIDITY[LinkPurpose.RESET_PASSWORD] == datetime.timedelta(hours=1)


def test_only_a_verified_account_passes_the_guard() -> None:
    unverified = User(email="a@example.org", display_name="A", password_hash="x")
    with pytest.raises(Forbidden) as refused:
        ensure_verified(unverified)
    assert refused.value.status_code == 403 and "Confirmez" in str(refused.value.detail)
    verified = User(
        email="b@example.org",
        display_name="B",
        password_hash="x",
        email_verified_at=datetime.datetime.now(datetime.UTC),
    )
    assert ensure_verified(verified) is verified
