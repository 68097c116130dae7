"""The e-mail outbox, sent by the worker: claim, compose, send, record, and retry with backoff.

Every step is its own short transaction, so that no database lock is held while an SMTP server
answers (on SQLite a write lock would stop the whole site):

1. claim: each due row is moved from ``pending`` to ``sending`` by one conditional UPDATE that
   only one worker can win (the row count says who did): two workers never send one row;
2. compose and send, outside any transaction, in a thread;
3. record: ``sent``, or back to ``pending`` with the error and a later ``next_attempt_at``
   (doubling from one minute up to six hours), ``failed`` after ``MAX_ATTEMPTS``.

A row claimed by a worker that died before recording is claimed again after ``STALE_CLAIM``: a
mail is never lost. The Message-ID stays the same on every attempt, for receivers to tell a
repeat in the one case no outbox can rule out (the server accepted, then the worker died).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass
from email.message import EmailMessage

import anyio
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from marketplace.accounts.models import User
from marketplace.notifications.compose import Recipient, compose, relist_token
from marketplace.notifications.models import Delivery, EmailOutboxEntry, EmailStatus, Notification
from marketplace.notifications.record import GROUPED_EVENTS, delivery_for
from marketplace.notifications.transport import MailTransport
from marketplace.notifications.wording import describe
from marketplace.settings import Settings
from marketplace.web.mail_templates import in_language

log = logging.getLogger("marketplace.mail")

MAX_ATTEMPTS = 12
FIRST_RETRY = datetime.timedelta(minutes=1)
LAST_RETRY = datetime.timedelta(hours=6)
STALE_CLAIM = datetime.timedelta(minutes=30)
BATCH = 50

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Delivered:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed + self.cancelled


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long a mail waits after its ``attempts``-th failure."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)


def _claimable(now: datetime.datetime) -> ColumnElement[bool]:
    """Due and waiting, or claimed by a worker that has not finished long after (it died)."""
    return or_(
        and_(EmailOutboxEntry.status == EmailStatus.PENDING, EmailOutboxEntry.next_attempt_at <= now),
        and_(
            EmailOutboxEntry.status == EmailStatus.SENDING,
            EmailOutboxEntry.claimed_at <= now - STALE_CLAIM,
        ),
    )


@dataclass(frozen=True)
class Claim:
    entry_id: uuid.UUID
    token: uuid.UUID  # this worker's claim: its outcome is written only while the row holds it
    attempts: int


async def claim_due(sessions: Sessions, now: datetime.datetime, limit: int = BATCH) -> list[Claim]:
    """Claim up to ``limit`` due mails for this worker."""
    claimed: list[Claim] = []
    async with sessions() as session, session.begin():
        candidates = await session.execute(
            select(EmailOutboxEntry.id, EmailOutboxEntry.attempts)
            .where(_claimable(now))
            .order_by(EmailOutboxEntry.next_attempt_at, EmailOutboxEntry.id)
            .limit(limit)
        )
        for entry_id, attempts in candidates.all():
            token = uuid.uuid4()
            won = await session.execute(
                update(EmailOutboxEntry)
                .where(EmailOutboxEntry.id == entry_id, _claimable(now))
                .values(status=EmailStatus.SENDING, claimed_at=now, claim_token=token)
                .execution_options(synchronize_session=False)
            )
            if won.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(Claim(entry_id, token, attempts))
    return claimed


async def _message_for(
    session: AsyncSession, entry_id: uuid.UUID, settings: Settings, now: datetime.datetime
) -> EmailMessage | None:
    """The e-mail of a claimed row, or None when it must not go out any more."""
    entry = await session.get(EmailOutboxEntry, entry_id)
    if entry is None:
        return None
    user = await session.get(User, entry.recipient_id)
    if user is None or not user.is_active or not user.email:
        return None
    if await delivery_for(session, user.id, entry.kind) is not Delivery.EMAIL:
        return None  # unsubscribed since: the notices stay in the list
    notices = list(
        await session.scalars(
            select(Notification)
            .where(Notification.email_id == entry.id)
            .order_by(Notification.created_at, Notification.id)
        )
    )
    # Messages read on the site meanwhile need no e-mail (a conversation read marks them read).
    notices = [n for n in notices if not (n.event in GROUPED_EVENTS and n.read_at is not None)]
    if not notices:
        return None  # what it told is gone (a deleted listing) or already read
    actor_ids = {notice.actor_id for notice in notices if notice.actor_id}
    names = (
        dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids)))).all())
        if actor_ids
        else {}
    )
    last = notices[-1]
    relist = (
        f"/notifications/relist/{relist_token(settings.security.secret_key, last.listing_id, user.id)}"
        if last.event == "listing.expiring" and last.listing_id
        else ""
    )
    recipient = Recipient(
        id=user.id, email=user.email, display_name=user.display_name, language=user.language
    )
    with in_language(recipient.language):
        wording = describe(notices, names, relist_link=relist)
    return compose(
        message_id=entry.id,
        recipient=recipient,
        kind=entry.kind,
        wording=wording,
        mail=settings.mail,
        secret=settings.security.secret_key,
        templates_dir=settings.templates_dir,
        date=now,
    )


async def _record(sessions: Sessions, claim: Claim, values: dict[str, object]) -> None:
    """Write the outcome of this claim (nothing if another worker has claimed the row since)."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(EmailOutboxEntry)
            .where(EmailOutboxEntry.id == claim.entry_id, EmailOutboxEntry.claim_token == claim.token)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


async def deliver_due(
    sessions: Sessions, now: datetime.datetime, *, settings: Settings, transport: MailTransport
) -> Delivered:
    """One pass: send the due mails through ``transport``; returns what became of them."""
    sent = retried = failed = cancelled = 0
    for claim in await claim_due(sessions, now):
        problem: Exception | None = None
        message: EmailMessage | None = None
        try:
            async with sessions() as session, session.begin():
                message = await _message_for(session, claim.entry_id, settings, now)
        except Exception as error:  # a mail that cannot be composed must not stop the others
            log.exception("e-mail %s could not be composed", claim.entry_id)
            problem = error
        if message is None and problem is None:
            await _record(sessions, claim, {"status": EmailStatus.CANCELLED, "claim_token": None})
            cancelled += 1
            continue
        if message is not None:
            try:
                await anyio.to_thread.run_sync(transport.send, message)
            except Exception as error:  # refused, unreachable, timed out: retried later
                problem = error
        if problem is None:
            await _record(sessions, claim, {"status": EmailStatus.SENT, "sent_at": now, "last_error": ""})
            sent += 1
            continue
        attempts = claim.attempts + 1
        gave_up = attempts >= MAX_ATTEMPTS
        await _record(
            sessions,
            claim,
            {
                "status": EmailStatus.FAILED if gave_up else EmailStatus.PENDING,
                "attempts": attempts,
                "last_error": f"{type(problem).__name__}: {problem}"[:2000],
                "next_attempt_at": now + retry_delay(attempts),
                "claim_token": None,
            },
        )
        log.warning("e-mail %s not sent (attempt %d): %s", claim.entry_id, attempts, problem)
        if gave_up:
            failed += 1
        else:
            retried += 1
    return Delivered(sent=sent, retried=retried, failed=failed, cancelled=cancelled)
