"""Every controller of the application, domain by domain."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.accounts.api import AuthApi
from marketplace.accounts.pages import AccountPages
from marketplace.alerts.routes import ROUTES as ALERT_ROUTES
from marketplace.communities.routes import ROUTES as COMMUNITY_ROUTES
from marketplace.discovery.routes import ROUTES as DISCOVERY_ROUTES
from marketplace.exchanges.routes import ROUTES as EXCHANGE_ROUTES
from marketplace.favourites.routes import ROUTES as FAVOURITE_ROUTES
from marketplace.listings.routes import ROUTES as LISTING_ROUTES
from marketplace.moderation.routes import ROUTES as MODERATION_ROUTES
from marketplace.notifications.routes import ROUTES as NOTIFICATION_ROUTES
from marketplace.photos.routes import ROUTES as PHOTO_ROUTES
from marketplace.privacy.routes import ROUTES as PRIVACY_ROUTES
from marketplace.web.home import HomePage
from marketplace.web.installable import InstallablePages
from marketplace.web.pages import Probes, SitePages

ROUTES: list[ControllerRouterHandler] = [
    HomePage,
    SitePages,
    Probes,
    InstallablePages,
    AuthApi,
    AccountPages,
    *COMMUNITY_ROUTES,
    *LISTING_ROUTES,
    *PHOTO_ROUTES,
    *EXCHANGE_ROUTES,
    *FAVOURITE_ROUTES,
    *DISCOVERY_ROUTES,
    *NOTIFICATION_ROUTES,
    *ALERT_ROUTES,
    *PRIVACY_ROUTES,
    *MODERATION_ROUTES,
]
