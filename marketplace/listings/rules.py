"""The fields of a listing and their rules, pure: what a title, a price, a swap or a quartier may be.

The service (``listings/service.py``) calls ``clean_listing`` before every write; the pages and
the importer use ``ListingFields`` to hand in what an author wrote.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from marketplace.communities.attributes import CONDITIONS, validate_attributes
from marketplace.errors import InvalidInput
from marketplace.listings.models import Listing, ListingKind
from marketplace.web.i18n import gettext as _

TITLE_MIN = 3
TITLE_MAX = 120
DESCRIPTION_MAX = 5000
EXCHANGE_MAX = 500
PICKUP_AREA_MAX = 80
REASON_MAX = 1000
PRICE_MAX_EUROS = Decimal(100000)

# A quartier, never an address: a street number followed by a kind of street gives one away.
_ADDRESS = re.compile(
    r"\b\d+\s*(?:bis|ter)?\s*,?\s*(?:rue|av\.?|avenue|bd|boulevard|place|pl\.|impasse|passage|villa|"
    r"all[ée]e|cit[ée]|square|quai|chemin|sentier|cour|r[ée]sidence)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ListingFields:
    """What an author writes: the same shape for a new listing, an edit's result and an import."""

    kind: str
    title: str
    category_id: uuid.UUID | None
    description: str = ""
    condition: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    pickup_area: str = ""
    price: Any = None  # euros: a number (API), a string such as "12,50" (forms), or None
    wanted_in_exchange: str = ""


@dataclass(frozen=True)
class CleanListing:
    kind: ListingKind
    title: str
    description: str
    condition: str | None
    attributes: dict[str, str]
    pickup_area: str
    price_cents: int | None
    wanted_in_exchange: str


EDITABLE_FIELDS = frozenset(item.name for item in fields(ListingFields))


def price_to_cents(value: Any) -> int:
    """Euros (a number, or "12,50" as typed in a form) to cents; InvalidInput naming ``price``."""
    if isinstance(value, bool):
        raise InvalidInput("price", _("Le prix doit être un nombre."))
    try:
        amount = Decimal(str(value).strip().replace(",", ".").replace(" ", "").removesuffix("€"))
    except InvalidOperation:
        raise InvalidInput("price", _("Le prix doit être un nombre, par exemple 12 ou 12,50.")) from None
    if not amount.is_finite():
        raise InvalidInput("price", _("Le prix doit être un nombre, par exemple 12 ou 12,50."))
    if amount < 0:
        raise InvalidInput("price", _("Le prix ne peut pas être négatif."))
    if amount > PRICE_MAX_EUROS:
        raise InvalidInput("price", _("Le prix ne peut pas dépasser 100 000 €."))
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("price", _("Le prix a au plus deux décimales (les centimes)."))
    return int(amount * 100)


def cents_to_euros(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_price(kind: ListingKind, price: Any) -> int | None:
    """A sale needs a price (0 allowed); a gift, a swap or a wanted listing has none."""
    if kind == ListingKind.SELL:
        if _blank(price):
            raise InvalidInput("price", _("Indiquez un prix pour une vente (0 est accepté)."))
        return price_to_cents(price)
    if not _blank(price):
        raise InvalidInput("price", _("Seule une vente a un prix : laissez le prix vide."))
    return None


def check_exchange(kind: ListingKind, wanted: str, *, required: bool = True) -> str:
    """A swap says what is wanted in exchange; no other kind of listing does."""
    wanted = (wanted or "").strip()
    if kind == ListingKind.SWAP:
        if not wanted and required:
            raise InvalidInput("wanted_in_exchange", _("Indiquez ce que vous souhaitez en échange."))
        if len(wanted) > EXCHANGE_MAX:
            raise InvalidInput("wanted_in_exchange", _("500 caractères au plus."))
        return wanted
    if wanted:
        raise InvalidInput("wanted_in_exchange", _("Seul un échange indique ce qui est souhaité en échange."))
    return ""


def check_pickup_area(value: str, allowed: list[str]) -> str:
    """One of the community's quartiers when it has a list; otherwise a short place name."""
    value = re.sub(r"\s+", " ", (value or "").strip())
    if not value:
        return ""
    if allowed:
        by_folded = {area.casefold(): area for area in allowed}
        if value.casefold() not in by_folded:
            raise InvalidInput(
                "pickup_area",
                _("Choisissez un quartier parmi : %(areas)s.", areas=", ".join(allowed)),
            )
        return by_folded[value.casefold()]
    if len(value) > PICKUP_AREA_MAX:
        raise InvalidInput("pickup_area", _("80 caractères au plus."))
    if _ADDRESS.search(value):
        raise InvalidInput(
            "pickup_area", _("Indiquez un quartier ou une station de métro, jamais votre adresse.")
        )
    return value


def clean_listing(
    data: ListingFields,
    *,
    category_attributes: list[str],
    pickup_areas: list[str],
    require_exchange: bool = True,
) -> CleanListing:
    """Check every field against the rules; InvalidInput names each field at fault."""
    errors: dict[str, str] = {}

    def attempt(check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except InvalidInput as error:
            errors.update(error.field_errors)
            return None

    kind: ListingKind | None
    try:
        kind = ListingKind(str(data.kind).strip())
    except ValueError:
        kind = None
        errors["kind"] = _("Choisissez le type d'annonce : don, échange, vente ou recherche.")
    title = re.sub(r"\s+", " ", (data.title or "").strip())
    if len(title) < TITLE_MIN:
        errors["title"] = _("Le titre doit faire au moins 3 caractères.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Le titre doit faire au plus 120 caractères.")
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("La description doit faire au plus 5000 caractères.")
    condition = None if _blank(data.condition) else str(data.condition).strip()
    if condition is not None:
        if "condition" not in category_attributes:
            errors["condition"] = _("Cette catégorie n'indique pas l'état.")
        elif condition not in CONDITIONS:
            errors["condition"] = _(
                "État inconnu : choisissez parmi %(states)s.", states=", ".join(CONDITIONS)
            )
    attributes = attempt(validate_attributes, category_attributes, dict(data.attributes or {})) or {}
    pickup_area = attempt(check_pickup_area, data.pickup_area, pickup_areas) or ""
    price_cents = wanted = None
    if kind is not None:
        price_cents = attempt(check_price, kind, data.price)
        wanted = attempt(check_exchange, kind, data.wanted_in_exchange, required=require_exchange)
    if errors:
        raise InvalidInput.many(errors)
    assert kind is not None
    return CleanListing(
        kind=kind,
        title=title,
        description=description,
        condition=condition,
        attributes=attributes,
        pickup_area=pickup_area,
        price_cents=price_cents,
        wanted_in_exchange=wanted or "",
    )


def fields_of(listing: Listing) -> ListingFields:
    """The listing's current fields, as an author would send them (the base of an edit)."""
    return ListingFields(
        kind=listing.kind.value,
        title=listing.title,
        category_id=listing.category_id,
        description=listing.description,
        condition=listing.condition,
        attributes=dict(listing.attributes or {}),
        pickup_area=listing.pickup_area,
        price=None if listing.price_cents is None else Decimal(listing.price_cents) / 100,
        wanted_in_exchange=listing.wanted_in_exchange,
    )
