"""The visibility rule, in one place: every page, API call, count, search and photo uses it.

A reader sees the content of the public communities and of those in which they are an active
member. Anyone may see that a members-only community exists (name, description, how to join),
never its content. An unauthorised read of an existing object answers 404, not 403.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.communities.models import Community, Membership, MembershipStatus, Visibility


def readable_communities(viewer: Viewer) -> Select[Any]:
    """The ids of the communities whose content ``viewer`` may read, as a sub-query."""
    public = Community.visibility == Visibility.PUBLIC
    if viewer.user_id is None:
        return select(Community.id).where(public)
    member_of = select(Membership.community_id).where(
        Membership.user_id == viewer.user_id, Membership.status == MembershipStatus.ACTIVE
    )
    return select(Community.id).where(or_(public, Community.id.in_(member_of)))


def can_read(viewer: Viewer, community_id_column: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows whose community ``viewer`` may read."""
    return community_id_column.in_(readable_communities(viewer))


async def readable_community_ids(session: AsyncSession, viewer: Viewer) -> list[uuid.UUID]:
    """The same rule as a list, for the search index, which filters on community ids."""
    return list((await session.scalars(readable_communities(viewer))).all())


def may_read(community: Community, membership: Membership | None) -> bool:
    """The same rule for one community already loaded, with the reader's membership (or None)."""
    return community.visibility == Visibility.PUBLIC or (
        membership is not None and membership.status == MembershipStatus.ACTIVE
    )


async def may_read_community(session: AsyncSession, viewer: Viewer, community: Community) -> bool:
    """Whether ``viewer`` may read the content of ``community`` (the rule above, for one community)."""
    if community.visibility == Visibility.PUBLIC or viewer.user_id is None:
        return may_read(community, None)
    membership = await session.scalar(
        select(Membership).where(
            Membership.community_id == community.id, Membership.user_id == viewer.user_id
        )
    )
    return may_read(community, membership)


async def may_see_person(session: AsyncSession, viewer: Viewer, user_id: uuid.UUID) -> bool:
    """Whether ``viewer`` may know that the account ``user_id`` exists: it is theirs, or it is an
    active member of a community whose content ``viewer`` may read (where its listings and name
    show anyway). Anybody else gets the answer of an account that does not exist."""
    if viewer.user_id == user_id:
        return True
    shared = await session.scalar(
        select(Membership.id)
        .where(
            Membership.user_id == user_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.community_id.in_(readable_communities(viewer)),
        )
        .limit(1)
    )
    return shared is not None
