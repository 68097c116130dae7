"""The one-click relist of the expiry e-mail: the author, known by the signed link, gives the
listing a fresh lifetime, through the listings' own relisting (``listings/relist.py``): the
same rules and messages as the "Republier" button."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import Conflict, NotFound
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.relist import RelistService
from marketplace.listings.service import ListingService
from marketplace.web.i18n import gettext as _


async def listing_of_link(session: AsyncSession, listing_id: uuid.UUID, author_id: uuid.UUID) -> Listing:
    """The listing a relist link names, as its author sees it (NotFound if they no longer can)."""
    author = await session.get(User, author_id)
    if author is None or not author.is_active:
        raise NotFound(_("Cette annonce n'existe pas ou n'est pas visible."))
    listing = await ListingService(session=session).visible(Viewer(author), listing_id)
    if listing.author_id != author_id:
        raise NotFound(_("Cette annonce n'existe pas ou n'est pas visible."))
    return listing


async def relist_from_link(session: AsyncSession, listing_id: uuid.UUID, author_id: uuid.UUID) -> Listing:
    """A fresh lifetime for the listing: an expired (or withdrawn) one is relisted; one still
    available, about to expire, is withdrawn and relisted in the same transaction (the life
    cycle's own way to renew it). The link was about an expiring listing: one given away or
    reserved since is not put back online by an old e-mail (the button on its page does that)."""
    listing = await listing_of_link(session, listing_id, author_id)
    listings = ListingService(session=session)
    author = Viewer(listing.author)
    if listing.status == ListingStatus.AVAILABLE:
        listing = await listings.change_status(listing, author, ListingStatus.WITHDRAWN)
    if listing.status not in (ListingStatus.WITHDRAWN, ListingStatus.EXPIRED):
        raise Conflict(_("Cette annonce n'est plus en ligne : elle ne peut pas être remise en ligne."))
    return await RelistService(listings).relist(listing, author)
