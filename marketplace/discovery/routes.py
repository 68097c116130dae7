"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.discovery.api import SearchApi
from marketplace.discovery.pages import SearchPages

ROUTES: list[ControllerRouterHandler] = [SearchApi, SearchPages]
