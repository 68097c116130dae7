"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.listings.api import CommunityListingsApi, ListingApi, MyListingsApi
from marketplace.listings.pages import ListingPages
from marketplace.listings.relist_pages import RelistPages

ROUTES: list[ControllerRouterHandler] = [
    CommunityListingsApi,
    ListingApi,
    MyListingsApi,
    ListingPages,
    RelistPages,
]
