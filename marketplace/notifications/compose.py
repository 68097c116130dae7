"""An e-mail from a notice's words: plain text and HTML, in the recipient's language, with the
listing's link and the one-click unsubscribe of its kind (RFC 8058 headers)."""

from __future__ import annotations

import datetime
import email.policy
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from urllib.parse import urlsplit

from marketplace.notifications.models import NotificationKind
from marketplace.notifications.tokens import sign
from marketplace.notifications.wording import Wording
from marketplace.settings import MailSettings
from marketplace.web.i18n import N_
from marketplace.web.i18n import gettext as _
from marketplace.web.mail_templates import in_language, mail_environment

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
        env = mail_environment(templates_dir)
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
