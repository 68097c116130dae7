"""Every write and read of favourites: keep a listing aside, let it go, the member's list.

A favourite is its member's alone: no page, count or notice shows anybody else who kept what.
Keeping reads the listing through the visibility rule (``ListingReads.visible``: a listing the
member may not see answers the 404 of one that does not exist). The list reads the listings
through the same rule, every time: a listing whose group the member has left, or that the
moderators removed, stays in their list as "no longer available", with neither its title nor
its group (it is no longer theirs to read, and saying more would tell whether it still exists);
it comes back as it was if they join the group again. Letting go needs no visibility: it only
deletes the member's own row, and answers the same whether there was one or not.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import Conflict
from marketplace.favourites.models import Favourite
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.reads import readable
from marketplace.listings.service import ListingService
from marketplace.listings.status import OPEN_TO_READERS
from marketplace.web.i18n import gettext as _

FAVOURITES_MAX = 500  # per member: a long wish list, not a copy of the board


class KeptState(enum.StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    GONE = "gone"  # done, withdrawn or expired: still readable, no longer to be had
    UNAVAILABLE = "unavailable"  # no longer readable by the member (left the group, removed)


@dataclass(frozen=True)
class Kept:
    """One favourite as its member may see it: the listing only while they may read it."""

    listing_id: uuid.UUID
    kept_at: datetime.datetime
    listing: Listing | None

    @property
    def state(self) -> KeptState:
        if self.listing is None:
            return KeptState.UNAVAILABLE
        if self.listing.status == ListingStatus.AVAILABLE:
            return KeptState.AVAILABLE
        if self.listing.status == ListingStatus.RESERVED:
            return KeptState.RESERVED
        return KeptState.GONE


def _still_readable(viewer: Viewer) -> list[ColumnElement[bool]]:
    """The visibility rule and the readers' statuses (a removed listing is not a reader's)."""
    return [readable(viewer), Listing.status.in_(OPEN_TO_READERS)]


class FavouriteService:
    export_name = "favourites"  # its part of an account's export (privacy.service.AccountShare)

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def keep(self, viewer: Viewer, listing_id: uuid.UUID) -> Kept:
        """Keep the listing aside (again: nothing changes). 404 unless the member may see it;
        409 for a draft or a removed listing, and past ``FAVOURITES_MAX``."""
        assert viewer.user_id is not None  # the handlers require a signed-in member
        listing = await ListingService(session=self.session).visible(viewer, listing_id)
        if listing.status not in OPEN_TO_READERS:
            raise Conflict(_("Cette annonce n'est pas en ligne : elle ne peut pas être gardée de côté."))
        existing = await self._row(viewer.user_id, listing_id)
        if existing is not None:
            return Kept(listing_id, existing.created_at, listing)
        if await self.count(viewer.user_id) >= FAVOURITES_MAX:
            raise Conflict(
                _(
                    "Vous gardez déjà %(count)s annonces de côté : retirez-en quelques-unes avant "
                    "d'en ajouter.",
                    count=FAVOURITES_MAX,
                )
            )
        # A double click sends two requests at once: the second finds the row and does nothing.
        insert = postgresql_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await self.session.execute(
            insert(Favourite)
            .values(user_id=viewer.user_id, listing_id=listing_id)
            .on_conflict_do_nothing(index_elements=["user_id", "listing_id"])
        )
        row = await self._row(viewer.user_id, listing_id)
        assert row is not None
        return Kept(listing_id, row.created_at, listing)

    async def release(self, user_id: uuid.UUID, listing_id: uuid.UUID) -> None:
        """Let the listing go from the member's favourites (nothing if it was not there)."""
        await self.session.execute(
            delete(Favourite).where(Favourite.user_id == user_id, Favourite.listing_id == listing_id)
        )

    async def _row(self, user_id: uuid.UUID, listing_id: uuid.UUID) -> Favourite | None:
        return await self.session.scalar(
            select(Favourite).where(Favourite.user_id == user_id, Favourite.listing_id == listing_id)
        )

    async def is_kept(self, viewer: Viewer, listing_id: uuid.UUID) -> bool:
        """Whether the viewer keeps this listing aside (False for nobody signed in)."""
        if viewer.user_id is None:
            return False
        return await self._row(viewer.user_id, listing_id) is not None

    async def count(self, user_id: uuid.UUID) -> int:
        total = await self.session.scalar(
            select(func.count()).select_from(Favourite).where(Favourite.user_id == user_id)
        )
        return int(total or 0)

    async def kept(
        self, viewer: Viewer, *, page: int = 1, per_page: int = FAVOURITES_MAX
    ) -> tuple[list[Kept], int]:
        """The member's favourites, the latest kept first, each with its listing while they may
        read it (two queries whatever their number), and how many they keep in all."""
        if viewer.user_id is None:
            return [], 0
        rows = list(
            await self.session.scalars(
                select(Favourite)
                .where(Favourite.user_id == viewer.user_id)
                .order_by(Favourite.created_at.desc(), Favourite.id.desc())
                .limit(per_page)
                .offset((page - 1) * per_page)
            )
        )
        ids = [row.listing_id for row in rows]
        listings: dict[uuid.UUID, Listing] = {}
        if ids:
            found = await self.session.scalars(
                select(Listing).where(Listing.id.in_(ids), *_still_readable(viewer))
            )
            listings = {listing.id: listing for listing in found.unique()}
        items = [Kept(row.listing_id, row.created_at, listings.get(row.listing_id)) for row in rows]
        return items, await self.count(viewer.user_id)

    async def export_of(self, user: User) -> list[dict[str, Any]]:
        """What the member keeps aside, for their data export: the title only of what they may
        still read (the listing is its author's; that they kept it, and when, is theirs)."""
        items, _total = await self.kept(Viewer(user))
        return [
            {
                "listing_id": str(item.listing_id),
                "kept_at": item.kept_at.isoformat(),
                "state": item.state.value,
                "title": item.listing.title if item.listing is not None else None,
            }
            for item in items
        ]

    async def forget(self, user_id: uuid.UUID) -> int:
        """Every favourite of the member goes (their account's deletion); how many there were."""
        result = await self.session.execute(delete(Favourite).where(Favourite.user_id == user_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
