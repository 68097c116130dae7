"""An e-mail from a notice's words: plain text and HTML, in the recipient's language, with the
listing's link and the one-click unsubscribe of its kind (RFC 8058 headers)."""

from __future__ import annotations

import datetime
import email.policy
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from marketplace.notifications.models import NotificationKind
from marketplace.notifications.tokens import sign
from marketplace.notifications.wording import Wording
from marketplace.settings import MailSettings
from marketplace.web.i18n import LANGUAGES, N_, current_language, ngettext
from marketplace.web.i18n import gettext as _

# Lines up to RFC 5322's limit: the default 78 would fold the long unsubscribe URL into RFC 2047
# encoded-words, which mail clients do not read as a List-Unsubscribe address.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)

UNSUBSCRIBE = "unsubscribe"
RELIST = "relist"

KIND_LABELS: dict[NotificationKind, str] = {
    NotificationKind.MESSAGES: N_("les messages des voisins"),
    NotificationKind.RESERVATIONS: N_("les réservations et les tirages au sort"),
    NotificationKind.MEMBERSHIP: N_("les décisions sur vos adhésions aux groupes"),
    NotificationKind.MODERATION: N_("la modération et l'expiration de vos annonces"),
    NotificationKind.ALERTS: N_("les alertes de recherche"),
}


@dataclass(frozen=True)
class Recipient:
    id: uuid.UUID
    email: str
    display_name: str
    language: str


def unsubscribe_token(secret: str, user_id: uuid.UUID, kind: NotificationKind) -> str:
    return sign(secret, UNSUBSCRIBE, str(user_id), kind.value)


def relist_token(secret: str, listing_id: uuid.UUID, author_id: uuid.UUID) -> str:
    return sign(secret, RELIST, str(listing_id), str(author_id))


@contextmanager
def in_language(language: str) -> Iterator[str]:
    """Translations in ``language`` (French if unknown) for the length of the block."""
    chosen = language if language in LANGUAGES else "fr"
    reset = current_language.set(chosen)
    try:
        yield chosen
    finally:
        current_language.reset(reset)


@cache
def _environment(directory: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory / "emails"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
    )
    env.install_gettext_callables(_, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def _domain(base_url: str) -> str:
    return urlsplit(base_url).hostname or "localhost"


def compose(
    *,
    message_id: uuid.UUID,
    recipient: Recipient,
    kind: NotificationKind,
    wording: Wording,
    mail: MailSettings,
    secret: str,
    templates_dir: Path,
    date: datetime.datetime | None = None,
) -> EmailMessage:
    """The e-mail of ``wording`` to ``recipient``; ``message_id`` (the outbox row) makes its
    Message-ID, the same on every attempt, so that a receiver can tell a repeat."""
    with in_language(recipient.language) as language:
        unsubscribe_url = (
            f"{mail.base_url}/notifications/unsubscribe/{unsubscribe_token(secret, recipient.id, kind)}"
        )
        context = {
            "name": recipient.display_name,
            "wording": wording,
            "link": f"{mail.base_url}{wording.link}",
            "action_link": f"{mail.base_url}{wording.action_link}" if wording.action_link else "",
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": f"{mail.base_url}/notifications/preferences",
            "kind_label": _(KIND_LABELS[kind]),
            "language": language,
        }
        env = _environment(templates_dir)
        text = env.get_template("notification.txt").render(context)
        html = env.get_template("notification.html").render(context)
        subject = " ".join(wording.title.split())  # one line, whatever a title holds
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject
    message["From"] = mail.from_address
    message["To"] = formataddr((recipient.display_name, recipient.email))
    message["Message-ID"] = f"<{message_id}@{_domain(mail.base_url)}>"
    if date is not None:
        message["Date"] = format_datetime(date)
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after the body: setting it replaces Content-* headers
    return message
