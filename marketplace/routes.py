"""Every controller of the application, domain by domain."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.accounts.api import AuthApi
from marketplace.accounts.pages import AccountPages
from marketplace.web.pages import Probes, SitePages

ROUTES: list[ControllerRouterHandler] = [
    SitePages,
    Probes,
    AuthApi,
    AccountPages,
]
