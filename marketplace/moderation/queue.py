"""The moderators' queue of a community: reported listings and messages, oldest first.

One entry per reported item (a listing, or a message), however many members reported it, with
every reporter's reason, the item's history (what moderators decided before about this listing
or its author), and the id of its oldest open report, which a decision is given on. Reports
of messages are the exchanges domain's rows: they are read here, not copied.

Only the community's moderators and admins read it; anybody else gets the 404 of a community
whose content is hidden. A reporter is never named to the member they reported: a moderator
whose own item is reported sees the reasons without the names (and cannot decide on it).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.guards import access_to, content_missing
from marketplace.communities.models import Community
from marketplace.exchanges.models import Conversation, Message, ReportStatus
from marketplace.exchanges.service import ExchangeService
from marketplace.listings.models import Listing
from marketplace.moderation.audit_model import AuditEntry
from marketplace.moderation.models import REASON_LABELS, ListingReport
from marketplace.web.i18n import gettext as _

HISTORY_MAX = 10
QUEUE_MAX = 200  # items on one page of the queue: a community's backlog is far smaller


@dataclass(frozen=True)
class Complaint:
    """One member's report, as the moderators read it."""

    report_id: uuid.UUID
    reason: str  # the label of the short list's choice (for a message: what the member wrote)
    details: str
    reporter_name: str | None  # None: the reader is the reported member
    created_at: datetime.datetime


@dataclass
class QueueItem:
    kind: str  # "listing" or "message"
    report_id: uuid.UUID  # the oldest open report: the one a decision is given on
    listing: Listing
    message: Message | None
    author: User
    complaints: list[Complaint] = field(default_factory=list)
    history: list[AuditEntry] = field(default_factory=list)
    is_about_reader: bool = False

    @property
    def first_reported_at(self) -> datetime.datetime:
        return self.complaints[0].created_at


async def require_moderator(session: AsyncSession, viewer: Viewer, community: Community) -> None:
    """The community's moderators and admins pass; anybody else: the 404 of hidden content."""
    if not (await access_to(session, viewer, community)).is_moderator:
        raise content_missing()


async def queue_of(session: AsyncSession, viewer: Viewer, community: Community) -> list[QueueItem]:
    """The open reports of ``community`` grouped by item, the oldest report first."""
    await require_moderator(session, viewer, community)
    items: dict[tuple[str, uuid.UUID], QueueItem] = {}
    listing_reports = await session.scalars(
        select(ListingReport)
        .where(ListingReport.community_id == community.id, ListingReport.status == ReportStatus.OPEN)
        .order_by(ListingReport.created_at, ListingReport.id)
    )
    for report in listing_reports.unique():
        about_reader = report.listing.author_id == viewer.user_id
        item = items.setdefault(
            ("listing", report.listing_id),
            QueueItem(
                "listing",
                report.id,
                report.listing,
                None,
                report.listing.author,
                is_about_reader=about_reader,
            ),
        )
        item.complaints.append(
            Complaint(
                report.id,
                _(REASON_LABELS[report.reason]),
                report.details,
                None if about_reader else report.reporter.display_name,
                report.created_at,
            )
        )
    for message_report in await ExchangeService(session).open_message_reports(community.id):
        message = message_report.message
        key = ("message", message.id)
        if key not in items:
            conversation = await session.get(Conversation, message.conversation_id)
            if conversation is None:
                continue
            items[key] = QueueItem(
                "message",
                message_report.id,
                conversation.listing,
                message,
                message.sender,
                is_about_reader=message.sender_id == viewer.user_id,
            )
        item = items[key]
        item.complaints.append(
            Complaint(
                message_report.id,
                message_report.reason,
                "",
                None if item.is_about_reader else message_report.reporter.display_name,
                message_report.created_at,
            )
        )
    ordered = sorted(items.values(), key=lambda entry: (entry.first_reported_at, str(entry.report_id)))
    ordered = ordered[:QUEUE_MAX]
    for item in ordered:
        item.history = await history_of(session, community.id, item.listing.id, item.author.id)
    return ordered


async def history_of(
    session: AsyncSession, community_id: uuid.UUID, listing_id: uuid.UUID, author_id: uuid.UUID
) -> list[AuditEntry]:
    """What the community's moderators decided before about this listing or its author, newest first."""
    rows = await session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.community_id == community_id,
            or_(AuditEntry.listing_id == listing_id, AuditEntry.subject_user_id == author_id),
        )
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(HISTORY_MAX)
    )
    return list(rows)
