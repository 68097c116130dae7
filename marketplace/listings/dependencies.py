"""What listings' handlers are given: their services (photos too: cards, gallery, posting form)."""

from __future__ import annotations

from litestar.di import Provide

from marketplace.communities.dependencies import provide_categories, provide_communities
from marketplace.listings.providers import provide_listings
from marketplace.photos.dependencies import provide_photos, provide_storage

LISTING_DEPENDENCIES = {
    "listings": Provide(provide_listings),
    "communities": Provide(provide_communities),
    "categories": Provide(provide_categories),
    "storage": Provide(provide_storage),
    "photos": Provide(provide_photos),
}
