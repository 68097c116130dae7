"""What a listing's kind, status, condition and price read as on the pages, in the reader's
language. Registered once as Jinja globals (see ``templating``), so no handler passes them."""

from __future__ import annotations

from marketplace.communities.attributes import CONDITIONS, value_label
from marketplace.listings.models import Listing, ListingKind, ListingStatus
from marketplace.listings.status import STATUS_LABELS
from marketplace.web.formats import money
from marketplace.web.i18n import N_
from marketplace.web.i18n import gettext as _

KIND_LABELS = {
    ListingKind.GIVE: N_("Don"),
    ListingKind.SWAP: N_("Échange"),
    ListingKind.SELL: N_("Vente"),
    ListingKind.WANTED: N_("Recherche"),
}


def kind_label(kind: ListingKind | str) -> str:
    return _(KIND_LABELS[ListingKind(kind)])


def kind_options() -> list[tuple[str, str]]:
    """The kinds as a ``<select>`` offers them: (value, label)."""
    return [(kind.value, kind_label(kind)) for kind in ListingKind]


def status_label(status: ListingStatus | str) -> str:
    return _(STATUS_LABELS[ListingStatus(status)])


def condition_label(slug: str | None) -> str:
    return _(CONDITIONS.get(slug or "", "")) if slug else ""


def condition_options() -> list[tuple[str, str]]:
    """The conditions as a ``<select>`` offers them: (value, label)."""
    return [(slug, _(label)) for slug, label in CONDITIONS.items()]


def price_text(listing: Listing) -> str:
    """Beside the kind's badge: the price of a sale ("12,50 €", "Gratuit" for 0), "Gratuit" for a
    gift, what a swap asks in exchange; nothing for a wanted listing."""
    if listing.kind == ListingKind.SELL:
        return money(listing.price_cents)
    if listing.kind == ListingKind.GIVE:
        return _("Gratuit")
    if listing.kind == ListingKind.SWAP and listing.wanted_in_exchange:
        wanted = listing.wanted_in_exchange
        if len(wanted) > 1 and wanted[0].isupper() and wanted[1].islower():
            wanted = wanted[0].lower() + wanted[1:]  # "contre un vélo", not "contre Un vélo"
        return _("contre %(wanted)s", wanted=wanted if len(wanted) <= 60 else wanted[:59] + "…")
    return ""


def card_sizes(listing: Listing) -> str:
    """The size and pointure a card shows ("6 ans · pointure 24"): what parents look for first."""
    attributes = listing.attributes or {}
    parts = []
    if attributes.get("size"):
        parts.append(value_label(str(attributes["size"])))
    if attributes.get("shoe_size"):
        parts.append(_("pointure %(size)s", size=attributes["shoe_size"]))
    return " · ".join(parts)
