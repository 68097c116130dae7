"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.privacy.api import PrivacyApi
from marketplace.privacy.pages import PrivacyPages

ROUTES: list[ControllerRouterHandler] = [PrivacyApi, PrivacyPages]
