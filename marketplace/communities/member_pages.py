"""The members page of a community: moderators handle applicants and bans, admins set roles.

One POST per decision, as the JSON API has (``/members/{user_id}/approve``, ``/reject``, ``/ban``,
``/role``), each answered by a 303 back to the members page; a refusal (last admin…) comes back
as a flash message there.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.models import User
from marketplace.communities.dependencies import CONTENT_DEPENDENCIES
from marketplace.communities.guards import CommunityAccess
from marketplace.communities.models import Community, Membership, MembershipStatus, Role
from marketplace.communities.service import CommunityService
from marketplace.web.forms import FormData, back_with_error, see_other, text
from marketplace.web.i18n import N_
from marketplace.web.i18n import gettext as _
from marketplace.web.pagination import MAX_PER_PAGE, Page, clamp
from marketplace.web.templating import render


def _members_page(community: Community) -> str:
    return f"/communities/{community.slug}/members"


async def _decided(
    request: Request[Any, Any, Any], community: Community, decision: Awaitable[Membership], done: str
) -> Redirect:
    """Back to the members page, saying ``done`` (a message naming the member) or why not."""
    try:
        membership = await decision
    except HTTPException as error:
        return back_with_error(request, _members_page(community), error)
    flash(request, _(done, name=membership.user.display_name), category="success")
    return see_other(_members_page(community))


async def _new_role(
    communities: CommunityService,
    community: Community,
    access: CommunityAccess,
    user_id: uuid.UUID,
    role: str,
    actor: User,
) -> Membership:
    access.require_admin()  # a moderator's refusal is a flash message, like the service's
    return await communities.set_role(community, user_id, role, actor=actor)


class MemberPages(Controller):
    include_in_schema = False
    dependencies = CONTENT_DEPENDENCIES
    path = "/communities/{slug:str}/members"

    @get("/", name="community-members")
    async def members(
        self,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        page: int = 1,
    ) -> Template:
        access.require_moderator()
        page, per_page = clamp(page, MAX_PER_PAGE)
        sections: dict[str, Any] = {}
        for status in MembershipStatus:
            wanted_page = page if status == MembershipStatus.ACTIVE else 1
            rows, total = await communities.page_of_members(community, status, wanted_page, per_page)
            sections[str(status)] = Page(items=rows, total=total, page=wanted_page, per_page=per_page)
        return render(
            "communities/members.html",
            community=community,
            access=access,
            me=user,
            sections=sections,
            roles=[
                (str(Role.MEMBER), _("Membre")),
                (str(Role.MODERATOR), _("Modérateur")),
                (str(Role.ADMIN), _("Administrateur")),
            ],
        )

    @post("/{user_id:uuid}/approve")
    async def approve(
        self,
        user_id: uuid.UUID,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        access.require_moderator()
        return await _decided(
            request,
            community,
            communities.approve(community, user, user_id),
            N_("%(name)s est maintenant membre."),
        )

    @post("/{user_id:uuid}/reject")
    async def reject(
        self,
        user_id: uuid.UUID,
        data: FormData,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        access.require_moderator()
        return await _decided(
            request,
            community,
            communities.reject(community, user, user_id, text(data, "message")),
            N_("Demande de %(name)s refusée."),
        )

    @post("/{user_id:uuid}/ban")
    async def ban(
        self,
        user_id: uuid.UUID,
        data: FormData,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        access.require_moderator()
        assert access.role is not None  # a moderator has a role
        return await _decided(
            request,
            community,
            communities.ban(community, user, access.role, user_id, text(data, "message")),
            N_("%(name)s est exclu du groupe."),
        )

    @post("/{user_id:uuid}/role")
    async def set_role(
        self,
        user_id: uuid.UUID,
        data: FormData,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        access.require_moderator()
        return await _decided(
            request,
            community,
            _new_role(communities, community, access, user_id, text(data, "role"), user),
            N_("Rôle de %(name)s modifié."),
        )
