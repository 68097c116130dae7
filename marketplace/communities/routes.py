"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.communities.api import CategoriesApi, CommunitiesApi
from marketplace.communities.category_pages import CategoryPages
from marketplace.communities.member_pages import MemberPages
from marketplace.communities.pages import CommunityPages

ROUTES: list[ControllerRouterHandler] = [
    CommunitiesApi,
    CategoriesApi,
    CommunityPages,
    MemberPages,
    CategoryPages,
]
