"""The home page: the newest listings the reader may see, with their covers, then the groups."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from marketplace.accounts.auth import Viewer
from marketplace.communities.pages import community_cards
from marketplace.communities.service import CommunityService
from marketplace.listings.dependencies import LISTING_DEPENDENCIES
from marketplace.listings.service import ListingService
from marketplace.photos.display import cover_views
from marketplace.photos.service import PhotoService
from marketplace.web.templating import render

LATEST_ON_HOME = 8


class HomePage(Controller):
    include_in_schema = False
    dependencies = LISTING_DEPENDENCIES  # communities, listings and their photos

    @get("/", name="home")
    async def home(
        self,
        viewer: Viewer,
        communities: CommunityService,
        listings: ListingService,
        photos: PhotoService,
        page: int = 1,
    ) -> Template:
        cards, paging = await community_cards(communities, viewer, page)
        latest = await listings.latest(viewer, limit=LATEST_ON_HOME)
        return render(
            "home.html",
            cards=cards,
            paging=paging,
            latest=latest,
            covers=await cover_views(photos, latest),
            show_community=True,
        )
