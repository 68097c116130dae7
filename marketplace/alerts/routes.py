"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.alerts.api import SavedSearchApi
from marketplace.alerts.pages import AlertPages

ROUTES: list[ControllerRouterHandler] = [SavedSearchApi, AlertPages]
