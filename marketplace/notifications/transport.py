"""Where e-mails go: an SMTP server, or the console sink of the embedded mode.

Both are called from a worker thread (``anyio.to_thread``): smtplib blocks, and so does writing a
file. A send that raises left the message unsent as far as the outbox knows: it is retried.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from marketplace.settings import MailSettings

log = logging.getLogger("marketplace.mail")


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` over, or raise."""


@dataclass(frozen=True)
class ConsoleSink:
    """Embedded mode: each message in the log and as ``<directory>/<time>-<id>.eml``."""

    directory: Path

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        ident = str(message["Message-ID"] or "message").strip("<>").split("@")[0]
        target = self.directory / f"{ident}.eml"
        scratch = target.with_suffix(".eml.tmp")
        scratch.write_bytes(message.as_bytes())
        os.replace(scratch, target)  # whole or absent: a reader never sees half a message
        body = message.get_body(("plain",))
        log.info(
            "e-mail to %s: %s (%s)\n%s",
            message["To"],
            message["Subject"],
            target,
            body.get_content() if body is not None else "",  # type: ignore[attr-defined]
        )


@dataclass(frozen=True)
class SmtpTransport:
    """``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://`` (TLS from the start)."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    implicit_tls: bool = False
    starttls: bool = False
    timeout: float = 20.0

    @classmethod
    def from_url(cls, url: str, timeout: float = 20.0) -> SmtpTransport:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                f"MARKETPLACE_SMTP_URL must be smtp://host:port or smtps://host:port, not {url!r}"
            )
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            implicit_tls=implicit,
            starttls=query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes"),
            timeout=timeout,
        )

    def send(self, message: EmailMessage) -> None:
        if self.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password)
            sender = parseaddr(str(message["From"]))[1]
            recipient = parseaddr(str(message["To"]))[1]
            refused = client.send_message(message, from_addr=sender, to_addrs=[recipient])
            if refused:  # the one recipient refused: nothing was delivered
                raise smtplib.SMTPRecipientsRefused(refused)


def transport_for(mail: MailSettings) -> MailTransport:
    """SMTP when ``MARKETPLACE_SMTP_URL`` is set, else the console sink."""
    if mail.uses_console:
        return ConsoleSink(mail.outbox_dir)
    return SmtpTransport.from_url(mail.smtp_url, mail.timeout_seconds)
