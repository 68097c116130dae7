"""JSON API of listings: post in a community, browse it, read, edit and move a listing along."""

from __future__ import annotations

import uuid

from litestar import Controller, get, patch, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.dependencies import provide_content_community
from marketplace.communities.guards import content_missing
from marketplace.communities.models import Community
from marketplace.communities.service import CommunityService
from marketplace.communities.visibility import may_read_community
from marketplace.exchanges.service import ExchangeService
from marketplace.listings.dependencies import LISTING_DEPENDENCIES
from marketplace.listings.models import Listing, ListingKind, ListingStatus
from marketplace.listings.relist_pages import relist_listing
from marketplace.listings.schemas import ListingInput, ListingOut, ListingPatch, StatusInput
from marketplace.listings.service import ListingService
from marketplace.listings.status import Actor
from marketplace.moderation.reposts import refuse_near_identical, refuse_near_identical_publication
from marketplace.photos.service import PhotoService
from marketplace.web.openapi import errors
from marketplace.web.pagination import DEFAULT_PER_PAGE, Page, clamp


async def readable_community(
    communities: CommunityService, listings: ListingService, viewer: Viewer, slug: str
) -> Community:
    """The community of ``slug`` if ``viewer`` may read its content; otherwise the very 404 of
    an unknown slug."""
    community = await provide_content_community(slug, communities)
    if not await may_read_community(listings.session, viewer, community):
        raise content_missing()
    return community


async def listing_out(
    listings: ListingService, viewer: Viewer, listing: Listing, photos: PhotoService
) -> ListingOut:
    """The listing as this reader may see it (the removal reason for its author and moderators)."""
    show_removal = bool(await listings.actors(viewer, listing) & {Actor.AUTHOR, Actor.MODERATOR})
    return ListingOut.of(listing, show_removal=show_removal, photos=await photos.for_listing(listing.id))


async def page_of_listings(
    items: list[Listing],
    photos: PhotoService,
    total: int,
    page: int,
    per_page: int,
    *,
    show_removal: bool = False,
) -> Page[ListingOut]:
    """A page of listings, each with its photos (one query for the whole page)."""
    by_listing = await photos.for_listings(item.id for item in items)
    return Page(
        items=[
            ListingOut.of(item, show_removal=show_removal, photos=by_listing.get(item.id, ()))
            for item in items
        ],
        total=total,
        page=page,
        per_page=per_page,
    )


class CommunityListingsApi(Controller):
    path = "/api/v1/communities/{slug:str}/listings"
    tags = ("listings",)
    dependencies = LISTING_DEPENDENCIES

    @post(
        "/",
        operation_id="createListing",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_201_CREATED,
    )
    async def create(
        self,
        slug: str,
        data: ListingInput,
        user: User,
        viewer: Viewer,
        communities: CommunityService,
        listings: ListingService,
    ) -> ListingOut:
        """Post a listing (published at once unless ``draft``); active members only.

        409 beyond the community's active-listing cap, and for a listing that reads like one of
        the member's own posted within the community's repost delay (``extra`` names it and says
        whether it can be put back online instead: ``POST /api/v1/listings/{id}/status``)."""
        community = await readable_community(communities, listings, viewer, slug)
        if not data.draft:
            await refuse_near_identical(listings.session, community, user.id, data.title, data.description)
        listing = await listings.create_listing(
            community=community, author=user, data=data.fields(), draft=data.draft
        )
        return ListingOut.of(listing, show_removal=True)

    @get("/", operation_id="browseListings", responses=errors(400, 401, 404))
    async def browse(
        self,
        slug: str,
        viewer: Viewer,
        communities: CommunityService,
        listings: ListingService,
        photos: PhotoService,
        category: uuid.UUID | None = None,
        kind: ListingKind | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Page[ListingOut]:
        """Available and reserved listings, newest first; a category includes its sub-categories."""
        community = await readable_community(communities, listings, viewer, slug)
        page, per_page = clamp(page, per_page)
        items, total = await listings.browse(
            viewer, community, category_id=category, kind=kind, page=page, per_page=per_page
        )
        return await page_of_listings(items, photos, total, page, per_page)


class ListingApi(Controller):
    path = "/api/v1/listings"
    tags = ("listings",)
    dependencies = LISTING_DEPENDENCIES

    @get("/{listing_id:uuid}", operation_id="getListing", responses=errors(400, 401, 404))
    async def read(
        self, listing_id: uuid.UUID, viewer: Viewer, listings: ListingService, photos: PhotoService
    ) -> ListingOut:
        """A listing the reader may see (404 for one they may not, as for one that does not exist)."""
        listing = await listings.visible(viewer, listing_id)
        return await listing_out(listings, viewer, listing, photos)

    @patch("/{listing_id:uuid}", operation_id="editListing", responses=errors(400, 401, 403, 404, 409))
    async def edit(
        self,
        listing_id: uuid.UUID,
        data: ListingPatch,
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> ListingOut:
        """Edit as the author, with the ``version`` read: a stale version answers 409."""
        listing = await listings.visible(viewer, listing_id)
        listing = await listings.edit(listing, viewer, version=data.version, changes=data.changes())
        return ListingOut.of(listing, show_removal=True, photos=await photos.for_listing(listing.id))

    @post(
        "/{listing_id:uuid}/status",
        operation_id="changeListingStatus",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def change_status(
        self,
        listing_id: uuid.UUID,
        data: StatusInput,
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> ListingOut:
        """Move the listing along its life cycle (a removal by a moderator needs a ``reason``)."""
        listing = await listings.visible(viewer, listing_id)
        if listing.author_id == viewer.user_id:
            await refuse_near_identical_publication(listings.session, listing, data.status)
        # Through exchanges: done closes the other conversations, withdrawn closes them all.
        listing = await ExchangeService(listings.session).change_listing_status(
            listings, listing, viewer, data.status, reason=data.reason, version=data.version
        )
        return await listing_out(listings, viewer, listing, photos)

    @post(
        "/{listing_id:uuid}/relist",
        operation_id="relistListing",
        responses=errors(400, 401, 403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def relist(
        self,
        listing_id: uuid.UUID,
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
    ) -> ListingOut:
        """Put a done, withdrawn or expired listing back online for a fresh lifetime, as its author.

        409 for a removed listing, one still on line, a done one handed over to a neighbour, and
        beyond the community's cap of listings on line (the message of posting); 403 for anybody
        else who sees the listing; 404 for those who do not."""
        listing = await listings.visible(viewer, listing_id)
        listing = await relist_listing(listings, listing, viewer)
        return await listing_out(listings, viewer, listing, photos)


class MyListingsApi(Controller):
    path = "/api/v1/me/listings"
    tags = ("listings",)
    dependencies = LISTING_DEPENDENCIES

    @get("/", operation_id="myListings", responses=errors(400, 401))
    async def mine(
        self,
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
        status: ListingStatus | None = None,
        page: int = 1,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Page[ListingOut]:
        """My listings in every status, drafts included, newest first."""
        page, per_page = clamp(page, per_page)
        items, total = await listings.of_author(viewer, status=status, page=page, per_page=per_page)
        return await page_of_listings(items, photos, total, page, per_page, show_removal=True)
