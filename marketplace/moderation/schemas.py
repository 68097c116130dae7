"""API shapes of moderation (msgspec Structs, never the ORM models)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from marketplace.exchanges.models import ReportStatus
from marketplace.listings.models import ListingStatus
from marketplace.moderation.audit_log import AuditLine
from marketplace.moderation.audit_model import AuditAction
from marketplace.moderation.models import ListingReport, ModerationAction, ReportReason
from marketplace.moderation.queue import Complaint, QueueItem
from marketplace.moderation.service import Resolution


class ListingReportInput(msgspec.Struct):
    reason: ReportReason
    details: str = ""


class ResolveInput(msgspec.Struct):
    action: ModerationAction
    reason: str = ""


class ListingReportOut(msgspec.Struct):
    """A report as its reporter sees it (what they sent, and whether it was handled)."""

    id: uuid.UUID
    listing_id: uuid.UUID
    reason: ReportReason
    details: str
    status: ReportStatus
    created_at: datetime.datetime

    @classmethod
    def of(cls, report: ListingReport) -> ListingReportOut:
        return cls(
            id=report.id,
            listing_id=report.listing_id,
            reason=report.reason,
            details=report.details,
            status=report.status,
            created_at=report.created_at,
        )


class ComplaintOut(msgspec.Struct):
    report_id: uuid.UUID
    reason: str
    details: str
    # Absent when the reader is the reported member: a reporter is never named to them.
    reporter_name: str | None
    created_at: datetime.datetime

    @classmethod
    def of(cls, complaint: Complaint) -> ComplaintOut:
        return cls(
            report_id=complaint.report_id,
            reason=complaint.reason,
            details=complaint.details,
            reporter_name=complaint.reporter_name,
            created_at=complaint.created_at,
        )


class HistoryOut(msgspec.Struct):
    action: AuditAction
    reason: str
    created_at: datetime.datetime


class QueueItemOut(msgspec.Struct):
    kind: str  # "listing" or "message"
    report_id: uuid.UUID  # the report to resolve (the oldest open one of the item)
    listing_id: uuid.UUID
    listing_title: str
    listing_status: ListingStatus
    message_id: uuid.UUID | None
    message_body: str | None
    author_id: uuid.UUID
    author_name: str
    complaints: list[ComplaintOut]
    history: list[HistoryOut]
    first_reported_at: datetime.datetime

    @classmethod
    def of(cls, item: QueueItem) -> QueueItemOut:
        return cls(
            kind=item.kind,
            report_id=item.report_id,
            listing_id=item.listing.id,
            listing_title=item.listing.title,
            listing_status=item.listing.status,
            message_id=item.message.id if item.message else None,
            message_body=item.message.body if item.message else None,
            author_id=item.author.id,
            author_name=item.author.display_name,
            complaints=[ComplaintOut.of(complaint) for complaint in item.complaints],
            history=[
                HistoryOut(action=entry.action, reason=entry.reason, created_at=entry.created_at)
                for entry in item.history
            ],
            first_reported_at=item.first_reported_at,
        )


class QueueOut(msgspec.Struct):
    items: list[QueueItemOut]


class ResolutionOut(msgspec.Struct):
    report_id: uuid.UUID
    action: ModerationAction
    reason: str
    closed: int

    @classmethod
    def of(cls, resolution: Resolution) -> ResolutionOut:
        return cls(
            report_id=resolution.report_id,
            action=resolution.action,
            reason=resolution.reason,
            closed=resolution.closed,
        )


class AuditLineOut(msgspec.Struct):
    id: uuid.UUID
    created_at: datetime.datetime
    action: AuditAction
    label: str
    actor_id: uuid.UUID | None
    actor_name: str
    subject_user_id: uuid.UUID | None
    subject_name: str
    listing_id: uuid.UUID | None
    message_id: uuid.UUID | None
    reason: str
    details: dict[str, Any]

    @classmethod
    def of(cls, line: AuditLine) -> AuditLineOut:
        entry = line.entry
        return cls(
            id=entry.id,
            created_at=entry.created_at,
            action=entry.action,
            label=line.label,
            actor_id=entry.actor_id,
            actor_name=line.actor_name,
            subject_user_id=entry.subject_user_id,
            subject_name=line.subject_name,
            listing_id=entry.listing_id,
            message_id=entry.message_id,
            reason=entry.reason,
            details=dict(entry.details or {}),
        )
