"""What communities' handlers are given: their services, and the community named in the path."""

from __future__ import annotations

import uuid

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.communities.category_service import CategoryService
from marketplace.communities.guards import CommunityAccess, access_to, content_missing
from marketplace.communities.models import Category, Community
from marketplace.communities.service import CommunityService
from marketplace.errors import NotFound
from marketplace.listings.providers import provide_listings
from marketplace.web.i18n import gettext as _

provide_communities = create_service_provider(CommunityService)
provide_categories = create_service_provider(CategoryService)


async def provide_community(slug: str, communities: CommunityService) -> Community:
    """The community of the ``{slug}`` path parameter (404 when unknown)."""
    return await communities.by_slug(slug)


async def provide_content_community(slug: str, communities: CommunityService) -> Community:
    """The community of ``{slug}`` for the handlers of its content and of its staff: an unknown
    slug answers ``content_missing``, as a hidden community's content does to an outsider."""
    try:
        return await communities.by_slug(slug)
    except NotFound:
        raise content_missing() from None


async def provide_access(community: Community, viewer: Viewer, db_session: AsyncSession) -> CommunityAccess:
    return await access_to(db_session, viewer, community)


COMMUNITY_DEPENDENCIES = {
    "communities": Provide(provide_communities),
    "categories": Provide(provide_categories),
    "community": Provide(provide_community),
    "access": Provide(provide_access),
    # Listing counts per category and merges (which move listings) are the listing service's.
    "listings": Provide(provide_listings),
}
# On the handlers of a community's content and staff, in place of the public card's lookup.
CONTENT_COMMUNITY = {"community": Provide(provide_content_community)}
CONTENT_DEPENDENCIES = {**COMMUNITY_DEPENDENCIES, **CONTENT_COMMUNITY}


async def category_with_access(
    category_id: uuid.UUID, categories: CategoryService, viewer: Viewer, db_session: AsyncSession
) -> tuple[Category, CommunityAccess]:
    """A category and what ``viewer`` may do in its community; 404 if they may not see it."""
    category = await categories.by_id(category_id)
    community = await db_session.get(Community, category.community_id)
    if community is None:
        raise NotFound()
    access = await access_to(db_session, viewer, community)
    if not access.may_see_categories:
        raise NotFound(_("Cette catégorie n'existe pas."))
    return category, access
