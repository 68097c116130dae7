"""Every write of moderation: reporting a listing, and a moderator's decision on a report.

Rules, in one place:

- Any signed-in member who can see a listing may report it (not their own), once: reporting
  again gives the same report. Messages are reported in their conversation (``ExchangeService
  .report``); both kinds wait in the same queue (``moderation/queue.py``).
- Only the moderators and admins of the item's community decide, and never on their own item:
  anybody else gets the 404 of a report that does not exist.
- A decision handles every open report of the item at once: remove (listings only, through the
  listing's life cycle, the reason shown to its author), warn the author (a notice, with the
  reason), ban the author from the community (through the membership decisions, which take their
  listings out of search), or dismiss.
- Every decision lands in the community's audit log; the reported member never learns who
  reported them (notices carry the moderator's reason, never the reporter).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.communities.guards import access_to
from marketplace.communities.models import Community
from marketplace.communities.service import CommunityService
from marketplace.errors import Conflict, InvalidInput, NotFound
from marketplace.exchanges.models import Conversation, Message, MessageReport, ReportStatus
from marketplace.exchanges.service import ExchangeService
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.service import ListingService
from marketplace.moderation.audit import record_audit
from marketplace.moderation.audit_model import AuditAction
from marketplace.moderation.models import DETAILS_MAX, ListingReport, ModerationAction, ReportReason
from marketplace.notifications.models import NotificationKind
from marketplace.notifications.record import notify
from marketplace.web.i18n import gettext as _

REASON_MAX = 1000
# A decision whose reason the author reads (or the audit needs): it must say why.
REASON_REQUIRED = frozenset({ModerationAction.REMOVE, ModerationAction.WARN, ModerationAction.BAN})


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def report_missing() -> NotFound:
    return NotFound(_("Ce signalement n'existe pas."))


@dataclass(frozen=True)
class Reported:
    """What a report is about, whichever its kind: the community, the author, the listing."""

    community: Community
    author_id: uuid.UUID
    listing: Listing
    message: Message | None
    listing_report: ListingReport | None
    message_report: MessageReport | None

    @property
    def is_open(self) -> bool:
        report = self.listing_report or self.message_report
        return report is not None and report.status == ReportStatus.OPEN


@dataclass(frozen=True)
class Resolution:
    report_id: uuid.UUID
    action: ModerationAction
    reason: str
    closed: int  # the open reports of the item that the decision handled


class ModerationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- reporting ----------------------------------------------------------------------------

    async def report_listing(
        self, viewer: Viewer, listing_id: uuid.UUID, reason: str, details: str = ""
    ) -> ListingReport:
        """Report a listing ``viewer`` can see to its community's moderators."""
        listing = await ListingService(session=self.session).visible(viewer, listing_id)
        assert viewer.user is not None
        if listing.author_id == viewer.user_id:
            raise Conflict(_("Vous ne pouvez pas signaler votre propre annonce."))
        try:
            chosen = ReportReason(str(reason))
        except ValueError:
            raise InvalidInput("reason", _("Choisissez la raison du signalement dans la liste.")) from None
        details = (details or "").strip()
        if len(details) > DETAILS_MAX:
            raise InvalidInput("details", _("%(count)s caractères au plus.", count=DETAILS_MAX))
        if chosen == ReportReason.OTHER and not details:
            raise InvalidInput("details", _("Dites aux modérateurs ce qui ne va pas."))
        existing = await self.session.scalar(
            select(ListingReport).where(
                ListingReport.listing_id == listing.id, ListingReport.reporter_id == viewer.user_id
            )
        )
        if existing is not None:
            return existing
        report = ListingReport(
            listing_id=listing.id,
            listing=listing,
            reporter_id=viewer.user.id,
            reporter=viewer.user,
            community_id=listing.community_id,
            reason=chosen,
            details=details,
            status=ReportStatus.OPEN,
        )
        self.session.add(report)
        await self.session.flush()
        return report

    async def has_reported(self, viewer: Viewer, listing_id: uuid.UUID) -> bool:
        """Whether ``viewer`` has a report of this listing waiting for the moderators."""
        if viewer.user_id is None:
            return False
        found = await self.session.scalar(
            select(ListingReport.id).where(
                ListingReport.listing_id == listing_id,
                ListingReport.reporter_id == viewer.user_id,
                ListingReport.status == ReportStatus.OPEN,
            )
        )
        return found is not None

    # --- deciding -----------------------------------------------------------------------------

    async def reported(self, viewer: Viewer, report_id: uuid.UUID) -> Reported:
        """The report of ``report_id`` (of a listing or of a message) if ``viewer`` moderates its
        community and is not the reported member; the 404 of a missing report otherwise."""
        listing_report = await self.session.get(ListingReport, report_id)
        message_report = (
            None if listing_report is not None else await self.session.get(MessageReport, report_id)
        )
        if listing_report is not None:
            listing, message = listing_report.listing, None
            community_id, author_id = listing_report.community_id, listing.author_id
        elif message_report is not None:
            message = message_report.message
            conversation = await self.session.get(Conversation, message.conversation_id)
            if conversation is None:
                raise report_missing()
            listing = conversation.listing
            community_id, author_id = message_report.community_id, message.sender_id
        else:
            raise report_missing()
        community = await self.session.get(Community, community_id)
        if community is None:
            raise report_missing()
        access = await access_to(self.session, viewer, community)
        if not access.is_moderator or author_id == viewer.user_id:
            raise report_missing()
        return Reported(community, author_id, listing, message, listing_report, message_report)

    async def resolve(
        self,
        viewer: Viewer,
        report_id: uuid.UUID,
        action: ModerationAction | str,
        reason: str = "",
        now: datetime.datetime | None = None,
    ) -> Resolution:
        """A moderator's decision on the report ``report_id`` and every open report of its item."""
        item = await self.reported(viewer, report_id)
        assert viewer.user is not None
        try:
            action = ModerationAction(str(action))
        except ValueError:
            raise InvalidInput(
                "action",
                _(
                    "Décision inconnue : %(values)s.",
                    values=", ".join(choice.value for choice in ModerationAction),
                ),
            ) from None
        reason = (reason or "").strip()
        if action in REASON_REQUIRED and not reason:
            raise InvalidInput("reason", _("Indiquez la raison de votre décision : l'auteur la verra."))
        if len(reason) > REASON_MAX:
            raise InvalidInput("reason", _("%(count)s caractères au plus.", count=REASON_MAX))
        if not item.is_open:
            raise Conflict(_("Ce signalement a déjà été traité."))
        trail = {"report_id": str(report_id), "kind": "message" if item.message else "listing"}
        if action == ModerationAction.REMOVE:
            if item.message is not None:
                raise Conflict(
                    _("Un message ne se supprime pas : avertissez son auteur ou excluez-le du groupe.")
                )
            if item.listing.status == ListingStatus.REMOVED:
                raise Conflict(_("Cette annonce est déjà supprimée : classez le signalement."))
            listings = ListingService(session=self.session)
            # Through exchanges, as the listing page does: its conversations close with it.
            await ExchangeService(self.session).change_listing_status(
                listings, item.listing, viewer, ListingStatus.REMOVED, reason=reason
            )
        elif action == ModerationAction.WARN:
            await notify(
                self.session,
                recipient_id=item.author_id,
                kind=NotificationKind.MODERATION,
                event="moderation.warning",
                listing_id=item.listing.id,
                actor_id=viewer.user_id,
                data={
                    "community_name": item.community.name,
                    "listing_title": item.listing.title,
                    "about": "message" if item.message else "listing",
                    "reason": reason,
                },
            )
            self._audit(item, viewer, AuditAction.AUTHOR_WARNED, reason, trail)
        elif action == ModerationAction.BAN:
            access = await access_to(self.session, viewer, item.community)
            assert access.role is not None
            await CommunityService(session=self.session).ban(
                item.community, viewer.user, access.role, item.author_id, reason, details=trail
            )
        else:
            self._audit(item, viewer, AuditAction.REPORT_DISMISSED, reason, trail)
        closed = await self._close(item, viewer, action, reason, now or now_utc())
        return Resolution(report_id=report_id, action=action, reason=reason, closed=closed)

    def _audit(
        self, item: Reported, viewer: Viewer, action: AuditAction, reason: str, details: dict[str, str]
    ) -> None:
        record_audit(
            self.session,
            community_id=item.community.id,
            actor_id=viewer.user_id,
            action=action,
            subject_user_id=item.author_id,
            listing_id=item.listing.id,
            message_id=item.message.id if item.message else None,
            reason=reason,
            details={**details, "listing_title": item.listing.title},
        )

    async def _close(
        self,
        item: Reported,
        viewer: Viewer,
        action: ModerationAction,
        reason: str,
        now: datetime.datetime,
    ) -> int:
        """Close the item's open reports, as one guarded UPDATE: of two moderators deciding at the
        same moment, the second finds none open (PostgreSQL makes it wait for the first) and
        gets a 409, its whole decision rolled back."""
        if item.message is not None:
            closed = await ExchangeService(self.session).close_message_reports(item.message.id)
        else:
            result = await self.session.execute(
                update(ListingReport)
                .where(ListingReport.listing_id == item.listing.id, ListingReport.status == ReportStatus.OPEN)
                .values(
                    status=ReportStatus.CLOSED,
                    resolution=action,
                    resolution_reason=reason,
                    resolved_by_id=viewer.user_id,
                    resolved_at=now,
                    updated_at=now,
                )
            )
            closed = int(getattr(result, "rowcount", 0) or 0)
        if not closed:
            raise Conflict(_("Ce signalement a déjà été traité."))
        return closed
