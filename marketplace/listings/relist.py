"""Relisting: a listing that is over (done, withdrawn, expired) goes back in front of the
neighbours in one click, by its author: a new publication date, a fresh lifetime, available.

The community's posting rules are those of a new listing: the author must still be an active
member, and under the group's cap of listings on line (409, with the very message of posting).
The repost delay does not refuse a relist: putting the earlier listing back online is what that
rule offers instead of posting the same item again (``moderation/reposts.py``). A listing
removed by the moderators stays removed (409), and nobody but its author relists it (403 to a
reader who sees it; a reader who does not gets the 404 of ``visible``, before this is asked).

Withdrawn and expired listings take the life cycle's own move (``ListingService.change_status``:
membership, cap, fresh lifetime and the search outbox row, in the caller's transaction). A done
listing has no move back there (``status.RELISTABLE``), and is relisted here with the same
steps. Every caller (the listing page, "Mes annonces", the API, the expiry e-mail's one-click
link) goes through ``RelistService.relist``.
"""

from __future__ import annotations

import datetime

from marketplace.accounts.auth import Viewer
from marketplace.communities.service import CommunityService
from marketplace.errors import Conflict, Forbidden
from marketplace.listings import status as life_cycle
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.service import ListingService, now_utc
from marketplace.listings.status import Actor
from marketplace.web.i18n import gettext as _


class RelistService:
    def __init__(self, listings: ListingService) -> None:
        self.listings = listings

    async def relist(
        self, listing: Listing, viewer: Viewer, *, now: datetime.datetime | None = None
    ) -> Listing:
        """Put ``listing`` back online for a fresh lifetime (see the module's docstring).

        409 for a removed listing, one still on line or a draft, and beyond the community's cap;
        403 for anybody but its author, or an author who is no longer an active member."""
        if Actor.AUTHOR not in await self.listings.actors(viewer, listing) or viewer.user is None:
            raise Forbidden(_("Seul l'auteur de l'annonce peut la republier."))
        if listing.status == ListingStatus.REMOVED:
            raise Conflict(
                _("Cette annonce a été supprimée par la modération : elle ne peut pas être republiée.")
            )
        if listing.status not in life_cycle.RELISTABLE:
            raise Conflict(
                _(
                    "Une annonce « %(status)s » ne peut pas être republiée : seules les annonces "
                    "terminées, retirées ou expirées peuvent l'être.",
                    status=_(life_cycle.STATUS_LABELS[listing.status]),
                )
            )
        now = now or now_utc()
        if listing.status != ListingStatus.DONE:
            return await self.listings.change_status(listing, viewer, ListingStatus.AVAILABLE, now=now)
        community = listing.community
        await CommunityService(session=self.listings.session).require_member(community, viewer.user)
        await self.listings.require_room(community, listing.author_id)  # posting's cap, in its words
        listing.status = ListingStatus.AVAILABLE
        listing.published_at = now
        listing.expires_at = now + datetime.timedelta(days=community.listing_lifetime_days)
        listing.status_changed_at = now
        await self.listings.session.flush()
        self.listings.record_change(listing)
        await self.listings.session.flush()
        return listing
