"""The listing service's one provider, for every controller that reads or writes listings.

Apart from ``dependencies.py`` because photos' controllers need it too, and listings' own
dependencies include photos' (cards and galleries show photos).
"""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from marketplace.listings.service import ListingService

provide_listings = create_service_provider(ListingService)
