"""API shapes of favourites (msgspec Structs, never the ORM model)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

import msgspec

from marketplace.favourites.service import Kept, KeptState
from marketplace.listings.schemas import ListingOut
from marketplace.photos.models import Photo


class FavouriteOut(msgspec.Struct):
    listing_id: uuid.UUID
    kept_at: datetime.datetime
    # available, reserved; gone (done, withdrawn, expired); unavailable: the member may no
    # longer read it (left its group, removed by the moderators), and ``listing`` is null.
    state: KeptState
    listing: ListingOut | None

    @classmethod
    def of(cls, kept: Kept, photos: Sequence[Photo] = ()) -> FavouriteOut:
        return cls(
            listing_id=kept.listing_id,
            kept_at=kept.kept_at,
            state=kept.state,
            listing=ListingOut.of(kept.listing, photos=photos) if kept.listing is not None else None,
        )
