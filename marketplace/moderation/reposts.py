"""The repost delay: a member may not post again, within the community's delay, a listing that
reads like one of theirs (``moderation/similarity.py``); they are shown their earlier listing and
offered to put it back online instead (a fresh lifetime, at the top of "newest first").

The candidates are the member's own listings of the community published within the delay and not
given away (available, reserved, withdrawn, expired): a handful of rows, read from the database,
and scored in Python with the search index's own analysis of the words (folding, plurals, stop
words, sizes, synonyms, typos). The index itself is not asked: it holds only findable listings,
while the listing a reposter should put back online is mostly an expired or withdrawn one; it
lags behind the commit by the indexer's pass, while a repost often comes minutes later; and its
"every word must match" would let a longer title escape its earlier listing.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.communities.models import Community
from marketplace.errors import Conflict
from marketplace.listings.models import Listing, ListingStatus
from marketplace.moderation.similarity import NEAR_IDENTICAL, similarity
from marketplace.web.i18n import gettext as _

CANDIDATE_STATUSES = (
    ListingStatus.AVAILABLE,
    ListingStatus.RESERVED,
    ListingStatus.WITHDRAWN,
    ListingStatus.EXPIRED,
)
RELISTABLE = frozenset({ListingStatus.WITHDRAWN, ListingStatus.EXPIRED})
CANDIDATES_MAX = 200


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Earlier:
    listing: Listing
    score: float
    allowed_at: datetime.datetime  # when a near-identical listing may be posted again

    @property
    def can_relist(self) -> bool:
        return self.listing.status in RELISTABLE


class RepostRefused(Conflict):
    """409: a near-identical listing of the same member is too recent; ``earlier`` says which."""

    def __init__(self, earlier: Earlier, delay_days: int) -> None:
        self.earlier = earlier
        listing = earlier.listing
        when = earlier.allowed_at.strftime("%d/%m/%Y")
        if earlier.can_relist:
            detail = _(
                "Vous avez publié une annonce presque identique, « %(title)s », il y a moins de "
                "%(days)s jours. Remettez-la en ligne plutôt que d'en publier une nouvelle, ou "
                "attendez le %(date)s.",
                title=listing.title,
                days=delay_days,
                date=when,
            )
        else:
            detail = _(
                "Votre annonce presque identique « %(title)s » est toujours en ligne. Le groupe "
                "demande d'attendre %(days)s jours avant d'en publier une semblable (jusqu'au "
                "%(date)s).",
                title=listing.title,
                days=delay_days,
                date=when,
            )
        super().__init__(
            detail=detail,
            extra={
                "earlier_listing_id": str(listing.id),
                "earlier_title": listing.title,
                "earlier_status": listing.status.value,
                "can_relist": earlier.can_relist,
                "allowed_at": earlier.allowed_at.isoformat(),
            },
        )


async def earlier_near_identical(
    session: AsyncSession,
    community: Community,
    author_id: uuid.UUID,
    title: str,
    description: str,
    now: datetime.datetime | None = None,
) -> Earlier | None:
    """The member's most similar recent listing if it reads as the same one, else None."""
    delay = community.repost_delay_days
    if not delay:
        return None
    now = now or now_utc()
    window = datetime.timedelta(days=delay)
    published = func.coalesce(Listing.published_at, Listing.created_at)
    rows = await session.scalars(
        select(Listing)
        .where(
            Listing.community_id == community.id,
            Listing.author_id == author_id,
            Listing.status.in_(CANDIDATE_STATUSES),
            published >= now - window,
        )
        .order_by(published.desc())
        .limit(CANDIDATES_MAX)
    )
    best: Earlier | None = None
    for listing in rows.unique():
        score = similarity(title, description, listing.title, listing.description)
        if score >= NEAR_IDENTICAL and (best is None or score > best.score):
            start = listing.published_at or listing.created_at
            best = Earlier(listing, score, start + window)
    return best


async def refuse_near_identical(
    session: AsyncSession,
    community: Community,
    author_id: uuid.UUID,
    title: str,
    description: str,
    now: datetime.datetime | None = None,
) -> None:
    """RepostRefused (409) when the new listing reads like one of the member's, too recent."""
    earlier = await earlier_near_identical(session, community, author_id, title, description, now)
    if earlier is not None:
        raise RepostRefused(earlier, community.repost_delay_days)


async def refuse_near_identical_publication(session: AsyncSession, listing: Listing, target: str) -> None:
    """The same rule when a draft is published (relisting an earlier listing is what the rule
    offers: it is never refused)."""
    if listing.status == ListingStatus.DRAFT and str(target) == ListingStatus.AVAILABLE.value:
        await refuse_near_identical(
            session, listing.community, listing.author_id, listing.title, listing.description
        )
