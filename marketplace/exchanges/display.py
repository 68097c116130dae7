"""How exchanges show on pages: messages as escaped text with clickable links, the draw's
proposed times, and what the listing page shows of its exchanges."""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from marketplace.accounts.auth import Viewer
from marketplace.exchanges.models import Conversation, Draw, Handover
from marketplace.exchanges.service import ExchangeService, GivingRecord
from marketplace.listings.models import Listing, ListingKind, ListingStatus

PARIS = ZoneInfo("Europe/Paris")
_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)»"


def linkify(body: str) -> Markup:
    """The message as HTML: every character escaped, line breaks kept, http(s) links clickable."""
    parts: list[str] = []
    position = 0
    for match in _LINK.finditer(body):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(str(escape(body[position : match.start()])))
        link = escape(url)
        parts.append(f'<a href="{link}" rel="nofollow noopener noreferrer ugc" target="_blank">{link}</a>')
        position = end
    parts.append(str(escape(body[position:])))
    # Safe: every piece of the body went through escape() above.
    return Markup("".join(parts).replace("\n", "<br>\n"))  # noqa: S704


def proposed_draw_times(now: datetime.datetime) -> list[tuple[str, datetime.datetime]]:
    """This evening at 20:00 (if still ahead) and tomorrow at 20:00, Paris time."""
    local = now.astimezone(PARIS)
    evening = local.replace(hour=20, minute=0, second=0, microsecond=0)
    choices: list[tuple[str, datetime.datetime]] = []
    if evening > local + datetime.timedelta(minutes=30):
        choices.append(("evening", evening))
    choices.append(("tomorrow", evening + datetime.timedelta(days=1)))
    return choices


def paris_time(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(PARIS)


@dataclass
class ExchangePanel:
    """What the listing page shows of its exchanges, for this reader."""

    record: GivingRecord
    mine: Conversation | None = None  # the reader's own conversation (not the author)
    queue: list[Conversation] = field(default_factory=list)  # the author's view of the line
    kept_for: Conversation | None = None
    draw: Draw | None = None
    draw_entrants: int = 0
    handover: Handover | None = None
    may_thank: bool = False
    draw_choices: list[tuple[str, datetime.datetime]] = field(default_factory=list)
    may_draw: bool = False
    may_ask: bool = False


async def exchange_panel(exchanges: ExchangeService, viewer: Viewer, listing: Listing) -> ExchangePanel:
    panel = ExchangePanel(record=await exchanges.giving_record(listing.author_id))
    user_id: uuid.UUID | None = viewer.user_id
    panel.kept_for = await exchanges.reserved_for(listing)
    panel.draw = await exchanges.draw_of(listing)
    if panel.draw is not None:
        panel.draw_entrants = len(await exchanges.entrants(listing, panel.draw))
    panel.handover = await exchanges.handover_of(listing)
    open_listing = listing.status in (ListingStatus.AVAILABLE, ListingStatus.RESERVED)
    if user_id is not None and user_id == listing.author_id:
        panel.queue = await exchanges.queue(listing)
        panel.may_draw = (
            listing.kind == ListingKind.GIVE
            and listing.status == ListingStatus.AVAILABLE
            and (panel.draw is None or panel.draw.drawn_at is None)
        )
        panel.draw_choices = proposed_draw_times(datetime.datetime.now(datetime.UTC))
    elif user_id is not None:
        panel.mine = await exchanges.conversation_of(listing.id, user_id)
        panel.may_ask = open_listing
        panel.may_thank = (
            panel.handover is not None
            and panel.handover.recipient_id == user_id
            and panel.handover.confirmed_at is None
        )
    else:
        panel.may_ask = open_listing
    return panel
