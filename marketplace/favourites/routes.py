"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.favourites.api import FavouriteApi
from marketplace.favourites.pages import FavouritePages

ROUTES: list[ControllerRouterHandler] = [FavouriteApi, FavouritePages]
