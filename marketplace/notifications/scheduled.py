"""The notifications' periodic jobs (run by the worker, see ``marketplace/jobs.py``): sending the
e-mail outbox, and telling authors of the listings about to expire.

The jobs are given a session; the settings (mail, secret key) are those of the app or process
whose database the session is bound to (``indexing.index.settings_of``, registered at start-up).
"""

from __future__ import annotations

import datetime
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from marketplace.indexing.index import settings_of
from marketplace.jobs import periodic
from marketplace.notifications.expiring import tell_expiring
from marketplace.notifications.outbox import Delivered, deliver_due
from marketplace.notifications.transport import transport_for

log = logging.getLogger("marketplace.mail")


@periodic("notifications.send", every=datetime.timedelta(seconds=10))
async def send_due_emails(session: AsyncSession, now: datetime.datetime) -> Delivered:
    """Send the due e-mails; each in short transactions of its own (see ``outbox.py``), so that
    the pass's own session stays unused and holds no lock while a mail server answers."""
    settings = settings_of(session)
    sessions = async_sessionmaker(bind=session.bind, expire_on_commit=False)
    delivered = await deliver_due(sessions, now, settings=settings, transport=transport_for(settings.mail))
    if delivered.total:
        log.info(
            "e-mails: %d sent, %d to retry, %d given up, %d cancelled",
            delivered.sent,
            delivered.retried,
            delivered.failed,
            delivered.cancelled,
        )
    return delivered


@periodic("notifications.expiring", every=datetime.timedelta(minutes=30))
async def tell_authors_of_expiring_listings(session: AsyncSession, now: datetime.datetime) -> int:
    """Authors of listings expiring within three days are told, with a one-click relist."""
    told = await tell_expiring(session, now)
    if told:
        log.info("%s auteur(s) prévenu(s) de l'expiration prochaine de leur annonce", told)
    return told
