"""The "Republier" button of the listing page and of "Mes annonces": a plain POST form, then a
303 back to where it was pressed, with what happened as a flash (a refusal's message is the
service's own: the 409 of the API reads the same)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, post
from litestar.plugins.flash import flash
from litestar.response import Redirect

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import Conflict, Forbidden, InvalidInput
from marketplace.exchanges.service import ExchangeService
from marketplace.listings.dependencies import LISTING_DEPENDENCIES
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.relist import RelistService
from marketplace.listings.service import ListingService
from marketplace.web.formats import day
from marketplace.web.forms import FormData, back_with_error, safe_next, see_other, text
from marketplace.web.i18n import gettext as _


async def relist_listing(listings: ListingService, listing: Listing, viewer: Viewer) -> Listing:
    """Relist through the service, after what exchanges know: a done listing whose hand-over to a
    neighbour is recorded stays done (the recipient's confirmation and merci belong to it, and a
    second hand-over of the same listing cannot be recorded): its author posts a new listing."""
    handed_over = (
        listing.status == ListingStatus.DONE
        and listing.author_id == viewer.user_id
        and await ExchangeService(listings.session).handover_of(listing) is not None
    )
    if handed_over:
        raise Conflict(
            _(
                "Cette annonce a été remise à un voisin, qui peut confirmer la remise et dire "
                "merci : elle reste terminée. Publiez une nouvelle annonce pour un autre objet."
            )
        )
    return await RelistService(listings).relist(listing, viewer)


class RelistPages(Controller):
    include_in_schema = False
    dependencies = LISTING_DEPENDENCIES

    @post("/listings/{listing_id:uuid}/relist")
    async def relist(
        self,
        listing_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        listings: ListingService,
    ) -> Redirect:
        back = safe_next(text(data, "next"), f"/listings/{listing_id}")
        listing = await listings.visible(viewer, listing_id)
        try:
            listing = await relist_listing(listings, listing, viewer)
        except (Conflict, Forbidden, InvalidInput) as error:
            return back_with_error(request, back, error)
        flash(
            request,
            _("Votre annonce est de nouveau en ligne, jusqu'au %(date)s.", date=day(listing.expires_at)),
            category="success",
        )
        return see_other(back)
