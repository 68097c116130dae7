"""JSON API of communities, memberships and categories.

Joining again while pending or active answers 409 with the current state in the message; a
banned person gets 403. Leaving answers the community, with ``my_membership`` null.

A members-only community's card and joining it are public; its content (categories, members,
settings) is not: to an outsider, asking for it answers exactly what an unknown slug answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from litestar import Controller, get, patch, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.category_service import CategoryService
from marketplace.communities.dependencies import (
    COMMUNITY_DEPENDENCIES,
    CONTENT_COMMUNITY,
    category_with_access,
)
from marketplace.communities.guards import CommunityAccess, content_missing, require_site_admin
from marketplace.communities.models import Community, MembershipStatus
from marketplace.communities.schemas import (
    CategoryInput,
    CategoryOrder,
    CategoryOut,
    CategoryPatch,
    CommunityInput,
    CommunityOut,
    CommunityPatch,
    DecisionInput,
    JoinInput,
    MembershipOut,
    MergeInput,
    MergeOut,
    RoleInput,
)
from marketplace.communities.service import CommunityService
from marketplace.errors import NotFound
from marketplace.listings.service import ListingService
from marketplace.web.openapi import errors
from marketplace.web.pagination import DEFAULT_PER_PAGE, Page, clamp

CONTENT = CONTENT_COMMUNITY


def require(check: Callable[[], None]) -> None:
    """Run a guard of CommunityAccess: its 404 to an outsider becomes ``content_missing``."""
    try:
        check()
    except NotFound:
        raise content_missing() from None


async def categories_page(
    categories: CategoryService,
    listings: ListingService,
    viewer: Viewer,
    community: Community,
    include_archived: bool = True,
) -> Page[CategoryOut]:
    """The whole tree (parents then their children) in one page: a community has a few dozen."""
    counts = await listings.counts_per_category(viewer, community.id)
    items = [
        CategoryOut.of(category, counts.get(category.id, 0))
        for category in await categories.tree(community.id, include_archived=include_archived)
    ]
    return Page(items=items, total=len(items), page=1, per_page=max(1, len(items)))


class CommunitiesApi(Controller):
    path = "/api/v1/communities"
    tags = ("communities",)
    dependencies = COMMUNITY_DEPENDENCIES

    @post(
        "/",
        operation_id="createCommunity",
        responses=errors(400, 401, 403, 409),
        status_code=HTTP_201_CREATED,
    )
    async def create(
        self, data: CommunityInput, user: User, viewer: Viewer, communities: CommunityService
    ) -> CommunityOut:
        """Site admins only; the creator becomes the community's admin."""
        require_site_admin(viewer)
        community = await communities.create_community(
            creator=user,
            slug=data.slug,
            name=data.name,
            description=data.description,
            rules=data.rules,
            visibility=data.visibility,
            join_policy=data.join_policy,
            join_question=data.join_question,
            pickup_areas=data.pickup_areas,
            template=data.template,
            listing_lifetime_days=data.listing_lifetime_days,
        )
        return CommunityOut.of(community, await communities.membership(community.id, user.id))

    @get("/", operation_id="listCommunities", responses=errors(400, 401))
    async def list_communities(
        self, viewer: Viewer, communities: CommunityService, page: int = 1, per_page: int = DEFAULT_PER_PAGE
    ) -> Page[CommunityOut]:
        """Every community, members-only ones included: their existence is public."""
        page, per_page = clamp(page, per_page)
        rows, total = await communities.page_of_communities(page, per_page)
        mine = await communities.memberships_of(viewer.user_id, [row.id for row in rows])
        items = [CommunityOut.of(row, mine.get(row.id)) for row in rows]
        return Page(items=items, total=total, page=page, per_page=per_page)

    @get("/{slug:str}", operation_id="getCommunity", responses=errors(400, 401, 404))
    async def get_community(self, community: Community, access: CommunityAccess) -> CommunityOut:
        return CommunityOut.of(community, access.membership)

    @patch(
        "/{slug:str}",
        operation_id="updateCommunity",
        dependencies=CONTENT,
        responses=errors(400, 401, 403, 404),
    )
    async def update(
        self,
        data: CommunityPatch,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
    ) -> CommunityOut:
        require(access.require_admin)
        community = await communities.update_community(community, user, **data.changes())
        return CommunityOut.of(community, access.membership)

    # --- membership ----------------------------------------------------------------------------

    @post(
        "/{slug:str}/join",
        operation_id="joinCommunity",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_201_CREATED,
    )
    async def join(
        self, user: User, community: Community, communities: CommunityService, data: JoinInput | None = None
    ) -> MembershipOut:
        """Open policy: active member at once. Approval: a pending application with the answer."""
        membership = await communities.join(community, user, data.answer if data else "")
        return MembershipOut.of(membership)

    @post(
        "/{slug:str}/leave",
        operation_id="leaveCommunity",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def leave(self, user: User, community: Community, communities: CommunityService) -> CommunityOut:
        await communities.leave(community, user)
        return CommunityOut.of(community, None)

    @get(
        "/{slug:str}/members",
        operation_id="listMembers",
        dependencies=CONTENT,
        responses=errors(400, 401, 403, 404),
    )
    async def members(
        self,
        user: User,
        access: CommunityAccess,
        community: Community,
        communities: CommunityService,
        status: MembershipStatus | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Page[MembershipOut]:
        """Moderators and admins: applicants (``status=pending``) with their answers, members, bans."""
        require(access.require_moderator)
        page, per_page = clamp(page, per_page)
        rows, total = await communities.page_of_members(community, status, page, per_page)
        return Page(items=[MembershipOut.of(row) for row in rows], total=total, page=page, per_page=per_page)

    @post(
        "/{slug:str}/members/{user_id:uuid}/approve",
        operation_id="approveMember",
        dependencies=CONTENT,
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def approve(
        self,
        user_id: uuid.UUID,
        user: User,
        access: CommunityAccess,
        community: Community,
        communities: CommunityService,
    ) -> MembershipOut:
        require(access.require_moderator)
        return MembershipOut.of(await communities.approve(community, user, user_id))

    @post(
        "/{slug:str}/members/{user_id:uuid}/reject",
        operation_id="rejectMember",
        dependencies=CONTENT,
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def reject(
        self,
        user_id: uuid.UUID,
        user: User,
        access: CommunityAccess,
        community: Community,
        communities: CommunityService,
        data: DecisionInput | None = None,
    ) -> MembershipOut:
        require(access.require_moderator)
        message = data.message if data else ""
        return MembershipOut.of(await communities.reject(community, user, user_id, message))

    @post(
        "/{slug:str}/members/{user_id:uuid}/ban",
        operation_id="banMember",
        dependencies=CONTENT,
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def ban(
        self,
        user_id: uuid.UUID,
        user: User,
        access: CommunityAccess,
        community: Community,
        communities: CommunityService,
        data: DecisionInput | None = None,
    ) -> MembershipOut:
        require(access.require_moderator)
        assert access.role is not None  # a moderator has a role
        message = data.message if data else ""
        return MembershipOut.of(await communities.ban(community, user, access.role, user_id, message))

    @post(
        "/{slug:str}/members/{user_id:uuid}/role",
        operation_id="setMemberRole",
        dependencies=CONTENT,
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def set_role(
        self,
        user_id: uuid.UUID,
        data: RoleInput,
        user: User,
        access: CommunityAccess,
        community: Community,
        communities: CommunityService,
    ) -> MembershipOut:
        """Community admins promote members to moderator or admin, and demote them."""
        require(access.require_admin)
        return MembershipOut.of(await communities.set_role(community, user_id, data.role, actor=user))

    # --- categories ----------------------------------------------------------------------------

    @get(
        "/{slug:str}/categories",
        operation_id="listCategories",
        dependencies=CONTENT,
        responses=errors(400, 401, 404),
    )
    async def list_categories(
        self,
        viewer: Viewer,
        access: CommunityAccess,
        community: Community,
        categories: CategoryService,
        listings: ListingService,
        include_archived: bool = True,
    ) -> Page[CategoryOut]:
        """The category tree with each category's count of visible listings."""
        if not access.may_see_categories:
            raise content_missing()
        return await categories_page(categories, listings, viewer, community, include_archived)

    @post(
        "/{slug:str}/categories",
        operation_id="createCategory",
        dependencies=CONTENT,
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_201_CREATED,
    )
    async def create_category(
        self,
        data: CategoryInput,
        user: User,
        access: CommunityAccess,
        community: Community,
        categories: CategoryService,
    ) -> CategoryOut:
        require(access.require_admin)
        category = await categories.create_category(
            community.id,
            name=data.name,
            parent_id=data.parent_id,
            attributes=data.attributes,
            position=data.position,
        )
        return CategoryOut.of(category)

    @put(
        "/{slug:str}/categories/order",
        operation_id="reorderCategories",
        dependencies=CONTENT,
        responses=errors(400, 401, 403, 404),
        status_code=HTTP_200_OK,
    )
    async def reorder_categories(
        self,
        data: CategoryOrder | list[uuid.UUID],
        user: User,
        viewer: Viewer,
        access: CommunityAccess,
        community: Community,
        categories: CategoryService,
        listings: ListingService,
    ) -> Page[CategoryOut]:
        """``{"ids": [...]}`` or the bare list, in order: one set of siblings, or the whole tree."""
        require(access.require_admin)
        await categories.reorder(community.id, data if isinstance(data, list) else data.ids)
        return await categories_page(categories, listings, viewer, community)


class CategoriesApi(Controller):
    path = "/api/v1/categories"
    tags = ("communities",)
    dependencies = COMMUNITY_DEPENDENCIES

    @get("/{category_id:uuid}", operation_id="getCategory", responses=errors(400, 401, 404))
    async def get_category(
        self,
        category_id: uuid.UUID,
        viewer: Viewer,
        categories: CategoryService,
        listings: ListingService,
        db_session: AsyncSession,
    ) -> CategoryOut:
        category, _access = await category_with_access(category_id, categories, viewer, db_session)
        counts = await listings.counts_per_category(viewer, category.community_id)
        return CategoryOut.of(category, counts.get(category.id, 0))

    @patch("/{category_id:uuid}", operation_id="updateCategory", responses=errors(400, 401, 403, 404, 409))
    async def update_category(
        self,
        category_id: uuid.UUID,
        data: CategoryPatch,
        user: User,
        viewer: Viewer,
        categories: CategoryService,
        listings: ListingService,
        db_session: AsyncSession,
    ) -> CategoryOut:
        """Rename, move (``parent_id``, ``position``), change ``attributes``, (un)archive."""
        category, access = await category_with_access(category_id, categories, viewer, db_session)
        require(access.require_admin)
        category = await categories.update_category(category, **data.changes())
        counts = await listings.counts_per_category(viewer, category.community_id)
        return CategoryOut.of(category, counts.get(category.id, 0))

    @post(
        "/{category_id:uuid}/merge",
        operation_id="mergeCategory",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def merge(
        self,
        category_id: uuid.UUID,
        data: MergeInput,
        user: User,
        viewer: Viewer,
        categories: CategoryService,
        listings: ListingService,
        db_session: AsyncSession,
    ) -> MergeOut:
        """Move this category's listings into ``into`` (same community) and archive this one."""
        source, access = await category_with_access(category_id, categories, viewer, db_session)
        require(access.require_admin)
        into, moved = await listings.merge_categories(source, data.into)
        counts = await listings.counts_per_category(viewer, source.community_id)
        return MergeOut(
            id=source.id,
            moved=moved,
            source=CategoryOut.of(source, counts.get(source.id, 0)),
            into=CategoryOut.of(into, counts.get(into.id, 0)),
        )
