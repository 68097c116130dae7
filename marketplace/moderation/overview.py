"""What waits for a moderator across their groups: applicants to decide on and reported items.

The header's badge and the page ``/moderation`` read it. The groups are those in which the
reader acts as a moderator: an active membership as moderator or admin, and every group for a
site admin (who acts as an admin everywhere, as ``communities/guards.py`` says). Everybody else
moderates nothing: no badge, and the page answers as the queue does to them (404).

Reported items are counted as the queue shows them (``moderation/queue.py``): one per listing
or message, however many members reported it. The numbers come from grouped queries over all
the groups at once, so the badge sends two statements and the page three, whatever the number
of groups.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, distinct, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.communities.models import Community, Membership, MembershipStatus, Role
from marketplace.exchanges.models import MessageReport, ReportStatus
from marketplace.moderation.models import ListingReport

APPLICANTS_SHOWN = 5  # per group on the page; the members page has them all
MODERATING_ROLES = (Role.MODERATOR, Role.ADMIN)


@dataclass
class CommunityWork:
    """One group's waiting work."""

    community: Community
    pending: int = 0  # applicants waiting for a decision
    reported: int = 0  # listings and messages with open reports
    oldest_report_at: datetime.datetime | None = None
    applicants: list[Membership] = field(default_factory=list)  # the oldest first

    @property
    def total(self) -> int:
        return self.pending + self.reported


@dataclass(frozen=True)
class Overview:
    groups: list[CommunityWork]  # those with waiting work first, then by name

    @property
    def moderates(self) -> bool:
        return bool(self.groups)

    @property
    def pending(self) -> int:
        return sum(group.pending for group in self.groups)

    @property
    def reported(self) -> int:
        return sum(group.reported for group in self.groups)

    @property
    def total(self) -> int:
        return self.pending + self.reported


def moderated_ids(viewer: Viewer) -> Select[Any]:
    """The ids of the groups ``viewer`` moderates, as a sub-query (none for somebody anonymous)."""
    if viewer.is_site_admin:
        return select(Community.id)
    return select(Membership.community_id).where(
        Membership.user_id == viewer.user_id,
        Membership.status == MembershipStatus.ACTIVE,
        Membership.role.in_(MODERATING_ROLES),
    )


def _counts(moderated: Select[Any]) -> Select[Any]:
    """(community id, what, how many, since when) for applicants, reported listings and
    reported messages of the moderated groups: one statement."""
    applicants = (
        select(
            Membership.community_id.label("community_id"),
            literal("pending").label("what"),
            func.count().label("number"),
            func.min(Membership.created_at).label("oldest"),
        )
        .where(Membership.status == MembershipStatus.PENDING, Membership.community_id.in_(moderated))
        .group_by(Membership.community_id)
    )
    listings = (
        select(
            ListingReport.community_id,
            literal("reported"),
            func.count(distinct(ListingReport.listing_id)),
            func.min(ListingReport.created_at),
        )
        .where(ListingReport.status == ReportStatus.OPEN, ListingReport.community_id.in_(moderated))
        .group_by(ListingReport.community_id)
    )
    messages = (
        select(
            MessageReport.community_id,
            literal("reported"),
            func.count(distinct(MessageReport.message_id)),
            func.min(MessageReport.created_at),
        )
        .where(MessageReport.status == ReportStatus.OPEN, MessageReport.community_id.in_(moderated))
        .group_by(MessageReport.community_id)
    )
    return select(union_all(applicants, listings, messages).subquery())


async def _count_into(
    session: AsyncSession, moderated: Select[Any], groups: dict[uuid.UUID, CommunityWork]
) -> None:
    for community_id, what, number, oldest in (await session.execute(_counts(moderated))).all():
        group = groups.get(community_id)
        if group is None:
            continue
        if what == "pending":
            group.pending += int(number)
            continue
        group.reported += int(number)
        if oldest is not None and (group.oldest_report_at is None or oldest < group.oldest_report_at):
            group.oldest_report_at = oldest


async def waiting_counts(session: AsyncSession, viewer: Viewer) -> Overview:
    """The numbers alone, for the header's badge (the groups without their applicants)."""
    if viewer.user_id is None:
        return Overview([])
    moderated = moderated_ids(viewer)
    communities = await session.scalars(
        select(Community).where(Community.id.in_(moderated)).order_by(Community.name, Community.id)
    )
    groups = {community.id: CommunityWork(community) for community in communities}
    if groups:
        await _count_into(session, moderated, groups)
    return Overview(sorted(groups.values(), key=lambda group: group.total == 0))


async def overview_of(session: AsyncSession, viewer: Viewer) -> Overview:
    """The numbers, and each group's oldest applicants (``APPLICANTS_SHOWN`` at most)."""
    overview = await waiting_counts(session, viewer)
    if not overview.moderates:
        return overview
    groups = {group.community.id: group for group in overview.groups}
    ranked = (
        select(
            Membership.id,
            func.row_number()
            .over(partition_by=Membership.community_id, order_by=(Membership.created_at, Membership.id))
            .label("rank"),
        )
        .where(
            Membership.status == MembershipStatus.PENDING, Membership.community_id.in_(moderated_ids(viewer))
        )
        .subquery()
    )
    applicants = await session.scalars(
        select(Membership)
        .join(ranked, ranked.c.id == Membership.id)
        .where(ranked.c.rank <= APPLICANTS_SHOWN)
        .order_by(Membership.created_at, Membership.id)
    )
    for membership in applicants.unique():
        groups[membership.community_id].applicants.append(membership)
    return overview
