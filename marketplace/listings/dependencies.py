"""What listings' handlers are given: their services (photos too: cards, gallery, posting form)."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import Provide

from marketplace.communities.dependencies import provide_categories, provide_communities
from marketplace.listings.service import ListingService
from marketplace.photos.dependencies import provide_photos, provide_storage

provide_listings = create_service_provider(ListingService)

LISTING_DEPENDENCIES = {
    "listings": Provide(provide_listings),
    "communities": Provide(provide_communities),
    "categories": Provide(provide_categories),
    "storage": Provide(provide_storage),
    "photos": Provide(provide_photos),
}
