"""A real SMTP server (aiosmtpd) for the whole run, and an app whose e-mails go to it.

The server keeps what it received, and can be told to refuse (``refuse_with("451 ...")``) to
show that a refused mail stays queued and is retried. In CI a missing aiosmtpd fails the run.
"""

from __future__ import annotations

import dataclasses
import datetime
import email
import email.policy
import socket
import threading
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from marketplace.jobs import Job
from marketplace.notifications.models import EmailOutboxEntry, Notification
from marketplace.notifications.scheduled import send_due_emails
from marketplace.operations import sessions_for, transaction_in
from marketplace.settings import MailSettings, Settings
from marketplace.worker import WorkerOptions, open_worker
from tests.conftest import unavailable

try:
    from aiosmtpd.controller import Controller
except ImportError:  # pragma: no cover - the test extras install it
    Controller = None

BASE_URL = "http://testserver.local"


class Mailbox:
    """The aiosmtpd handler: what arrived, and whether to accept the next ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received: list[EmailMessage] = []
        self.raw: list[bytes] = []  # as they came over the wire
        self.refusal: str | None = None  # e.g. "451 4.3.0 Try again later"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.refusal:
                return self.refusal
            message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            self.received.append(message)  # type: ignore[arg-type]
            self.raw.append(envelope.original_content)
        return "250 Message accepted for delivery"

    def refuse_with(self, reply: str | None) -> None:
        with self._lock:
            self.refusal = reply

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self.raw.clear()
            self.refusal = None

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [message for message in self.received if address in str(message["To"])]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    if Controller is None:
        unavailable("aiosmtpd is not installed (pip install -e '.[test]')")
        return
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Iterator[Mailbox]:
    box, _ = smtp_server
    box.clear()
    yield box
    box.clear()


@pytest.fixture
def settings(settings: Settings, smtp_server: tuple[Mailbox, int], tmp_path: Path) -> Settings:
    """The app of these tests sends its e-mails to the test SMTP server."""
    _, port = smtp_server
    return dataclasses.replace(
        settings,
        mail=MailSettings(
            smtp_url=f"smtp://127.0.0.1:{port}",
            from_address="Entre voisins du 20e <ne-pas-repondre@testserver.local>",
            base_url=BASE_URL,
            outbox_dir=tmp_path / "mail",
            timeout_seconds=5,
        ),
    )


async def run_job(app: Litestar, job: Job = send_due_emails, at: datetime.datetime | None = None) -> bool:
    """One pass of ``job`` by a worker on the app's database, its clock at ``at`` (now if None)."""
    moment = at or datetime.datetime.now(datetime.UTC)
    async with open_worker(
        app.state.settings, jobs=[job], options=WorkerOptions(clock=lambda: moment)
    ) as worker:
        return await worker.run_pass(job)


async def outbox(app: Litestar) -> list[EmailOutboxEntry]:
    async with sessions_for(app.state.settings) as sessions, transaction_in(sessions) as session:
        return list(await session.scalars(select(EmailOutboxEntry).order_by(EmailOutboxEntry.created_at)))


async def notices(app: Litestar, recipient_id: str) -> list[Notification]:
    async with sessions_for(app.state.settings) as sessions, transaction_in(sessions) as session:
        return list(
            await session.scalars(
                select(Notification)
                .where(Notification.recipient_id == uuid.UUID(recipient_id))
                .order_by(Notification.created_at)
            )
        )
