"""JSON API of moderation: report a listing, the moderators' queue, their decisions, the audit log."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.models import Community
from marketplace.moderation.audit_log import audit_page
from marketplace.moderation.dependencies import MODERATION_DEPENDENCIES
from marketplace.moderation.queue import queue_of
from marketplace.moderation.schemas import (
    AuditLineOut,
    ListingReportInput,
    ListingReportOut,
    QueueItemOut,
    QueueOut,
    ResolutionOut,
    ResolveInput,
)
from marketplace.moderation.service import ModerationService
from marketplace.web.openapi import errors
from marketplace.web.pagination import DEFAULT_PER_PAGE, Page, clamp


class ModerationApi(Controller):
    path = "/api/v1"
    tags = ("moderation",)
    dependencies = MODERATION_DEPENDENCIES

    @post(
        "/listings/{listing_id:uuid}/report",
        operation_id="reportListing",
        responses=errors(400, 401, 404, 409),
        status_code=HTTP_201_CREATED,
    )
    async def report(
        self,
        listing_id: uuid.UUID,
        data: ListingReportInput,
        user: User,
        viewer: Viewer,
        moderation: ModerationService,
    ) -> ListingReportOut:
        """Report a listing to its community's moderators (reporting again gives the same report)."""
        report = await moderation.report_listing(viewer, listing_id, data.reason, data.details)
        return ListingReportOut.of(report)

    @get(
        "/communities/{slug:str}/reports",
        operation_id="moderationQueue",
        responses=errors(400, 401, 404),
    )
    async def queue(
        self, user: User, viewer: Viewer, community: Community, moderation: ModerationService
    ) -> QueueOut:
        """The reported listings and messages of the community, oldest first (its moderators only;
        anybody else gets the 404 of a hidden community)."""
        items = await queue_of(moderation.session, viewer, community)
        return QueueOut(items=[QueueItemOut.of(item) for item in items])

    @post(
        "/reports/{report_id:uuid}/resolve",
        operation_id="resolveReport",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def resolve(
        self,
        report_id: uuid.UUID,
        data: ResolveInput,
        user: User,
        viewer: Viewer,
        moderation: ModerationService,
    ) -> ResolutionOut:
        """Decide on a report and every open report of its item: ``remove`` (listings), ``warn``,
        ``ban`` (from the community) or ``dismiss``; the ``reason`` is shown to the author."""
        return ResolutionOut.of(await moderation.resolve(viewer, report_id, data.action, data.reason))

    @get(
        "/communities/{slug:str}/audit",
        operation_id="communityAuditLog",
        responses=errors(400, 401, 404),
    )
    async def audit(
        self,
        user: User,
        viewer: Viewer,
        community: Community,
        moderation: ModerationService,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Page[AuditLineOut]:
        """The community's audit log, newest first: who decided what, when and why (its admins only)."""
        page, per_page = clamp(page, per_page)
        lines, total = await audit_page(moderation.session, viewer, community, page, per_page)
        return Page(
            items=[AuditLineOut.of(line) for line in lines], total=total, page=page, per_page=per_page
        )
