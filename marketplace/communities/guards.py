"""Who may do what in a community.

- A site admin creates communities, and acts as an admin of every community (so that a
  community created from the command line without an admin can still be run).
- Moderators and admins of a community handle applicants and ban members.
- Admins of a community change roles, curate categories and edit the community's settings.

A refusal answers 403 when the reader can see the community's content, and 404 otherwise: an
unauthorised read of an existing object must not tell that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.communities.models import Community, Membership, MembershipStatus, Role
from marketplace.communities.visibility import may_read_community
from marketplace.errors import Forbidden, NotFound
from marketplace.web.i18n import gettext as _

STAFF_ROLES = (Role.MODERATOR, Role.ADMIN)


def content_missing() -> NotFound:
    """The 404 of a community's content: the same for an unknown slug and for an outsider."""
    return NotFound(_("Ce groupe n'existe pas ou son contenu est réservé à ses membres."))


@dataclass(frozen=True)
class CommunityAccess:
    """What ``viewer`` may do in ``community``: computed once per request."""

    community: Community
    viewer: Viewer
    membership: Membership | None
    can_read: bool

    @property
    def is_member(self) -> bool:
        return self.membership is not None and self.membership.status == MembershipStatus.ACTIVE

    @property
    def role(self) -> Role | None:
        """The role the viewer acts with (None unless active member; site admins act as admins)."""
        if self.viewer.is_site_admin:
            return Role.ADMIN
        return self.membership.role if self.membership and self.is_member else None

    @property
    def is_moderator(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def may_see_categories(self) -> bool:
        return self.can_read or self.is_admin

    def require_read(self) -> None:
        if not self.can_read:
            raise content_missing()

    def require_moderator(self) -> None:
        if not self.is_moderator:
            raise self._refusal(_("Réservé aux modérateurs et administrateurs de ce groupe."))

    def require_admin(self) -> None:
        if not self.is_admin:
            raise self._refusal(_("Réservé aux administrateurs de ce groupe."))

    def _refusal(self, message: str) -> Forbidden | NotFound:
        return Forbidden(message) if self.can_read else content_missing()


async def access_to(session: AsyncSession, viewer: Viewer, community: Community) -> CommunityAccess:
    membership = None
    if viewer.user_id is not None:
        membership = await session.scalar(
            select(Membership).where(
                Membership.community_id == community.id, Membership.user_id == viewer.user_id
            )
        )
    return CommunityAccess(
        community=community,
        viewer=viewer,
        membership=membership,
        can_read=await may_read_community(session, viewer, community),
    )


def require_site_admin(viewer: Viewer) -> None:
    if not viewer.is_site_admin:
        raise Forbidden(_("Seuls les administrateurs du site peuvent créer un groupe."))
