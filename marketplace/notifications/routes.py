"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.notifications.api import NotificationApi
from marketplace.notifications.pages import NotificationPages

ROUTES: list[ControllerRouterHandler] = [NotificationApi, NotificationPages]
