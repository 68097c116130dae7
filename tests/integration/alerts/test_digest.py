"""Daily digests: at the hour its member picked, one e-mail groups the day's matches of their
daily alerts; a day without any sends nothing. Through the real SMTP server of the tests."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest
from litestar import Litestar
from sqlalchemy import select

from marketplace.alerts.models import SavedSearch
from marketplace.notifications.scheduled import send_due_emails
from marketplace.operations import transaction
from marketplace.settings import MailSettings, Settings
from tests.integration.alerts.conftest import digests, matched
from tests.integration.notifications.conftest import (  # noqa: F401
    BASE_URL,
    Mailbox,
    mailbox,
    run_job,
    smtp_server,
)
from tests.stories import Board

pytestmark = pytest.mark.anyio

MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def settings(settings: Settings, smtp_server: tuple[Mailbox, int], tmp_path: Path) -> Settings:  # noqa: F811
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


async def next_digest(app: Litestar) -> datetime.datetime:
    async with transaction(app.state.settings) as session:
        due = await session.scalar(select(SavedSearch.next_digest_at))
        assert due is not None
        return due


def body(message: object) -> str:
    part = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    return str(part.get_content())


async def test_a_daily_digest_groups_the_days_matches_in_one_email(
    board: Board,
    app: Litestar,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    await board.community()
    lea = await board.member("lea")
    omar = await board.member("omar")
    chosen = await lea.put("/api/v1/notifications/preferences", json={"alerts": "email"})
    assert chosen.status_code == 200, chosen.text
    saved = await lea.post(
        "/api/v1/saved-searches", json={"q": "poussette", "frequency": "daily", "digest_hour": 8}
    )
    assert saved.status_code == 201, saved.text
    await board.listing(omar, title="Poussette canne")
    await board.listing(omar, title="Poussette double", kind="swap", wanted_in_exchange="Des livres")
    await board.listing(omar, title="Lampe de bureau")
    assert (await matched(app)).matches == 2
    due = await next_digest(app)
    assert due.astimezone(datetime.UTC).minute == 0

    # Before the hour nothing goes; at the hour, one e-mail with both.
    await digests(app, due - MINUTE)
    await run_job(app, send_due_emails, due - MINUTE)
    assert mailbox.to(lea.email) == []
    await digests(app, due + MINUTE)
    await run_job(app, send_due_emails, due + MINUTE)
    [mail] = mailbox.to(lea.email)
    assert "2 nouvelles annonces pour vos alertes" in str(mail["Subject"])
    text = body(mail)
    assert "Poussette canne" in text and "Poussette double" in text and "Lampe" not in text
    assert mail["List-Unsubscribe"]

    # The next day nothing new matched: no e-mail.
    await digests(app, due + DAY + MINUTE)
    await run_job(app, send_due_emails, due + DAY + MINUTE)
    assert len(mailbox.to(lea.email)) == 1

    # A new match the day after: one e-mail with it alone.
    await board.listing(omar, title="Poussette de voyage")
    assert (await matched(app)).matches == 1
    await digests(app, due + 2 * DAY + MINUTE)
    await run_job(app, send_due_emails, due + 2 * DAY + MINUTE)
    mails = mailbox.to(lea.email)
    assert len(mails) == 2
    assert "1 nouvelle annonce pour vos alertes" in str(mails[1]["Subject"])
    assert "Poussette de voyage" in body(mails[1]) and "Poussette canne" not in body(mails[1])


async def test_instant_alerts_are_not_held_for_a_digest(
    board: Board,
    app: Litestar,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    await board.community()
    lea = await board.member("lea")
    omar = await board.member("omar")
    await lea.put("/api/v1/notifications/preferences", json={"alerts": "email"})
    assert (await lea.post("/api/v1/saved-searches", json={"q": "poussette"})).status_code == 201
    await board.listing(omar, title="Poussette canne")
    await matched(app)
    await run_job(app, send_due_emails)
    [mail] = mailbox.to(lea.email)
    assert "Nouvelle annonce pour votre alerte « poussette »" in str(mail["Subject"])
    assert "/listings/" in body(mail)
