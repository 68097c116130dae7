"""The account e-mails (verification, reset, address change, sign-up attempt): words, and the
message itself in the recipient's language.

They are not notices: a member cannot switch them off, so they carry no List-Unsubscribe (RFC
8058 is for mail one may refuse; these answer something the person just did, or warn them about
their own account). They are not written in the notifications' outbox either, and are sent at
once, after the change has committed (the controllers hand them to a background task, so the
answer takes as long whether a mail goes out or not):

- their link holds a secret that must never be stored in clear (only its digest is, in
  ``account_link``), and the outbox stores what it sends until it does;
- they answer a click that the person repeats if nothing comes ("renvoyer le lien", or asking
  again): an outbox retry six hours later would bring a reset link long expired.

A send that fails is logged; the sending is the notifications' transport (SMTP or the console
sink), handed in by the controller, as this domain may not import a later one.
"""

from __future__ import annotations

import email.policy
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import anyio

from marketplace.accounts.service import AccountMail, MailKind
from marketplace.settings import MailSettings
from marketplace.web.i18n import gettext as _
from marketplace.web.mail_templates import in_language, mail_environment

log = logging.getLogger("marketplace.mail")

# Lines up to RFC 5322's limit, so that a long link is never folded (as the notifications do).
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)

LINK_PATHS: dict[MailKind, str] = {
    MailKind.VERIFY: "/account/verify/",
    MailKind.RESET: "/password/reset/",
    MailKind.CHANGE: "/account/email/confirm/",
}


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` over, or raise."""


@dataclass(frozen=True)
class Wording:
    subject: str
    lines: list[str]
    link_label: str = ""


def wording(kind: MailKind) -> Wording:
    """What a mail of ``kind`` says, in the current language."""
    if kind is MailKind.VERIFY:
        return Wording(
            _("Confirmez votre adresse e-mail"),
            [
                _(
                    "Bienvenue sur Entre voisins du 20e ! Pour publier des annonces et écrire aux voisins, "
                    "confirmez que cette adresse est bien la vôtre."
                ),
                _("Ce lien est valable 48 heures et ne sert qu'une fois."),
                _("Si vous n'avez pas créé de compte, ignorez ce message : rien ne sera fait sans ce lien."),
            ],
            _("Confirmer mon adresse"),
        )
    if kind is MailKind.RESET:
        return Wording(
            _("Choisir un nouveau mot de passe"),
            [
                _("Quelqu'un (vous, sans doute) a demandé à changer le mot de passe de votre compte."),
                _(
                    "Ce lien est valable une heure et ne sert qu'une fois. Tous vos appareils seront "
                    "déconnectés."
                ),
                _("Si ce n'était pas vous, ignorez ce message : votre mot de passe ne change pas."),
            ],
            _("Choisir un nouveau mot de passe"),
        )
    if kind is MailKind.CHANGE:
        return Wording(
            _("Confirmez votre nouvelle adresse e-mail"),
            [
                _(
                    "Vous avez demandé à utiliser cette adresse pour votre compte. Elle remplacera "
                    "l'ancienne quand vous aurez suivi ce lien."
                ),
                _("Ce lien est valable 48 heures et ne sert qu'une fois."),
            ],
            _("Confirmer cette adresse"),
        )
    if kind is MailKind.CHANGED:
        return Wording(
            _("Votre adresse e-mail a été changée"),
            [
                _(
                    "L'adresse e-mail de votre compte vient d'être remplacée par une autre : les messages du "
                    "site n'arriveront plus ici."
                ),
                _(
                    "Si ce n'était pas vous, répondez à l'administration du collectif au plus vite, et "
                    "changez votre mot de passe."
                ),
            ],
        )
    if kind is MailKind.SIGNUP_ATTEMPT:
        return Wording(
            _("Quelqu'un a essayé de créer un compte avec votre adresse"),
            [
                _(
                    "Quelqu'un a voulu utiliser votre adresse e-mail pour un compte, mais vous en avez déjà "
                    "un : rien n'a été changé."
                ),
                _(
                    "Si c'était vous, connectez-vous, ou choisissez un nouveau mot de passe si vous l'avez "
                    "oublié."
                ),
                _("Si ce n'était pas vous, vous pouvez ignorer ce message."),
            ],
            _("Mot de passe oublié ?"),
        )
    return Wording(
        _("Votre mot de passe a été changé"),
        [
            _(
                "Le mot de passe de votre compte vient d'être changé, et tous vos appareils ont été "
                "déconnectés."
            ),
            _("Si ce n'était pas vous, demandez un nouveau mot de passe tout de suite."),
        ],
        _("Mot de passe oublié ?"),
    )


def link_of(mail: AccountMail, settings: MailSettings) -> str:
    if mail.secret and mail.kind in LINK_PATHS:
        return f"{settings.base_url}{LINK_PATHS[mail.kind]}{mail.secret}"
    if mail.kind in (MailKind.SIGNUP_ATTEMPT, MailKind.PASSWORD_RESET_DONE):
        return f"{settings.base_url}/password/forgot"
    return ""


def compose(mail: AccountMail, settings: MailSettings, templates_dir: Path) -> EmailMessage:
    """The e-mail of ``mail``, plain text and HTML, in its recipient's language."""
    with in_language(mail.language) as language:
        words = wording(mail.kind)
        context = {
            "name": mail.display_name,
            "wording": words,
            "link": link_of(mail, settings),
            "site_url": settings.base_url,
            "language": language,
        }
        env = mail_environment(templates_dir)
        text = env.get_template("account.txt").render(context)
        html = env.get_template("account.html").render(context)
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = words.subject
    message["From"] = settings.from_address
    message["To"] = formataddr((mail.display_name, mail.to_email))
    message["Message-ID"] = f"<{uuid.uuid4()}@{urlsplit(settings.base_url).hostname or 'localhost'}>"
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after the body: setting it replaces Content-* headers
    return message


async def send_account_mails(
    mails: Iterable[AccountMail | None], settings: MailSettings, templates_dir: Path, transport: Transport
) -> None:
    """Compose and send each mail, off the event loop; a failure is logged, never raised (the
    answer has gone already, and the person can ask again)."""
    for mail in mails:
        if mail is None:
            continue
        try:
            message = compose(mail, settings, templates_dir)
            await anyio.to_thread.run_sync(transport.send, message)
        except Exception:
            log.exception("account e-mail (%s) not sent", mail.kind.value)
