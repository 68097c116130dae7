"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.moderation.api import ModerationApi
from marketplace.moderation.overview_pages import ModerationOverviewPages
from marketplace.moderation.pages import ModerationPages

ROUTES: list[ControllerRouterHandler] = [ModerationApi, ModerationPages, ModerationOverviewPages]
