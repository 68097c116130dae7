"""From what a reader asks (API or page parameters) to a ``search.contract.Query``.

The scope comes from the visibility rule (``communities/visibility.py``), never from the
request: the communities asked for are intersected with those the reader may read, so a
hostile ``community`` parameter can only narrow. Every value is checked against what it may be
(the catalogue's sizes and conditions, bounded lengths, finite prices): a value that cannot be
right is a 400 naming the parameter, and only checked values reach the index.
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from litestar.exceptions import ValidationException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.communities.attributes import CONDITIONS, GENDERS, covered_shoe_sizes, covered_sizes
from marketplace.communities.models import Category, Community
from marketplace.communities.visibility import readable_communities
from marketplace.listings.models import ListingKind
from marketplace.web.i18n import gettext as _
from search.contract import MAX_PER_PAGE, Facet, Filters, Query, Sort

QUERY_MAX_LENGTH = 200
VALUE_MAX_LENGTH = 80
VALUES_MAX = 50  # values of one repeatable parameter
PRICE_MAX = 1_000_000
DEFAULT_PER_PAGE = 20
# Far past any real result list (the lists' own bound, restated: discovery sits below the web layer).
MAX_PAGE = 10_000

# Every facet a result counts, and its name in the API and the page's URL.
FACET_NAMES: dict[Facet, str] = {
    Facet.COMMUNITY: "community",
    Facet.CATEGORY: "category",
    Facet.KIND: "kind",
    Facet.SIZE: "size",
    Facet.SHOE_SIZE: "shoe_size",
    Facet.CONDITION: "condition",
    Facet.GENDER: "gender",
    Facet.AREA: "area",
}


class FindableStatus(enum.StrEnum):
    """The statuses a search may ask for: the index holds only listings open to readers."""

    AVAILABLE = "available"
    RESERVED = "reserved"


def invalid(key: str, message: str) -> ValidationException:
    return ValidationException(detail=message, extra=[{"key": key, "message": message, "source": "query"}])


@dataclass(frozen=True)
class SearchParams:
    """What a reader asked, as received (repeatable parameters as lists)."""

    q: str = ""
    communities: Sequence[str] = ()
    categories: Sequence[uuid.UUID] = ()
    kinds: Sequence[ListingKind] = ()
    min_price: float | None = None
    max_price: float | None = None
    sizes: Sequence[str] = ()
    shoe_sizes: Sequence[str] = ()
    conditions: Sequence[str] = ()
    genders: Sequence[str] = ()
    areas: Sequence[str] = ()
    statuses: Sequence[FindableStatus] = ()
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


def _text(key: str, value: str, limit: int) -> str:
    if "\x00" in value:
        raise invalid(key, _("Ce texte contient un caractère invalide."))
    if len(value) > limit:
        raise invalid(key, _("Ce texte est trop long : %(max)s caractères au plus.", max=limit))
    return " ".join(value.split())


def _values(key: str, values: Sequence[str]) -> list[str]:
    if len(values) > VALUES_MAX:
        raise invalid(key, _("Trop de valeurs : %(max)s au plus.", max=VALUES_MAX))
    return [cleaned for value in values if (cleaned := _text(key, value, VALUE_MAX_LENGTH))]


def _price(key: str, value: float | None) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or value < 0 or value > PRICE_MAX:
        raise invalid(key, _("Le prix doit être un nombre entre 0 et %(max)s euros.", max=PRICE_MAX))
    return value


def _points(key: str, values: Sequence[str], cover: object) -> tuple[str, ...]:
    """Sizes as the points of their scale ("2 ans" is "24 mois"; "3-4 ans" is both years)."""
    points: list[str] = []
    for value in _values(key, values):
        covered = cover(value)  # type: ignore[operator]
        if not covered:
            raise invalid(key, _("Taille inconnue : « %(value)s ».", value=value))
        points.extend(point for point in covered if point not in points)
    return tuple(points)


def _choices(key: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    chosen = _values(key, values)
    for value in chosen:
        if value not in allowed:
            raise invalid(key, _("Valeur inconnue : « %(value)s ».", value=value))
    return tuple(dict.fromkeys(chosen))


def checked_filters(params: SearchParams) -> Filters:
    """The filters of ``params``, every value checked (400 naming the parameter otherwise)."""
    min_price, max_price = _price("min_price", params.min_price), _price("max_price", params.max_price)
    if min_price is not None and max_price is not None and min_price > max_price:
        raise invalid("min_price", _("Le prix minimum dépasse le prix maximum."))
    if len(params.categories) > VALUES_MAX:
        raise invalid("category", _("Trop de valeurs : %(max)s au plus.", max=VALUES_MAX))
    statuses = tuple(dict.fromkeys(str(status) for status in params.statuses)) or tuple(FindableStatus)
    return Filters(
        category_ids=tuple(dict.fromkeys(str(category) for category in params.categories)),
        kinds=tuple(dict.fromkeys(str(kind) for kind in params.kinds)),
        statuses=statuses,
        min_price=min_price,
        max_price=max_price,
        sizes=_points("size", params.sizes, covered_sizes),
        shoe_sizes=_points("shoe_size", params.shoe_sizes, covered_shoe_sizes),
        conditions=_choices("condition", params.conditions, tuple(CONDITIONS)),
        genders=_choices("gender", params.genders, GENDERS),
        pickup_areas=tuple(dict.fromkeys(_values("area", params.areas))),
    )


@dataclass(frozen=True)
class ReadableCommunity:
    id: str
    slug: str
    name: str


@dataclass(frozen=True)
class Scope:
    """The communities the reader may read, and those of them this search covers."""

    readable: dict[str, ReadableCommunity]  # by id
    searched: tuple[str, ...]  # ids
    asked: tuple[str, ...] = field(default=())  # slugs the reader asked for and may read

    def slug_of(self, community_id: str) -> str | None:
        community = self.readable.get(community_id)
        return community.slug if community else None


async def reader_scope(session: AsyncSession, viewer: Viewer, slugs: Sequence[str]) -> Scope:
    """The visibility rule's communities, narrowed to ``slugs`` when the reader names some."""
    wanted = _values("community", slugs)
    rows = (
        await session.execute(
            select(Community.id, Community.slug, Community.name).where(
                Community.id.in_(readable_communities(viewer))
            )
        )
    ).all()
    readable = {str(row.id): ReadableCommunity(str(row.id), row.slug, row.name) for row in rows}
    if not wanted:
        return Scope(readable=readable, searched=tuple(readable))
    searched = tuple(key for key, community in readable.items() if community.slug in wanted)
    asked = tuple(readable[key].slug for key in searched)
    return Scope(readable=readable, searched=searched, asked=asked)


async def build_query(
    session: AsyncSession, viewer: Viewer, params: SearchParams, facets: Sequence[Facet] = tuple(Facet)
) -> tuple[Query, Scope]:
    """The index query for ``params`` as ``viewer`` may run it, and its scope (for the facets)."""
    if params.page > MAX_PAGE:
        raise invalid("page", _("Le numéro de page doit être au plus %(max)s.", max=MAX_PAGE))
    if params.per_page > MAX_PER_PAGE:
        message = _("Le nombre d'éléments par page doit être au plus %(max)s.", max=MAX_PER_PAGE)
        raise invalid("per_page", message)
    text = _text("q", params.q, QUERY_MAX_LENGTH)
    filters = checked_filters(params)
    scope = await reader_scope(session, viewer, params.communities)
    query = Query(
        text=text,
        community_ids=scope.searched,
        filters=filters,
        sort=params.sort,
        page=max(1, params.page),
        per_page=max(1, params.per_page),
        facets=tuple(facets),
    )
    return query, scope


async def category_names(session: AsyncSession, ids: Sequence[str]) -> dict[str, str]:
    """The names of these category ids (those that are valid ids)."""
    valid = []
    for value in ids:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    if not valid:
        return {}
    rows = (await session.execute(select(Category.id, Category.name).where(Category.id.in_(valid)))).all()
    return {str(row.id): row.name for row in rows}


# Words that say what a listing does rather than what it is ("Cherche poussette", "Donne
# vélo"): left out of the title's search, or a wanted would only find other wanted listings.
POSTING_WORDS = frozenset(
    {
        *("cherche", "cherchons", "recherche", "recherchons", "recherché", "recherchée", "besoin"),
        *("donne", "donnons", "don", "donner", "vends", "vend", "vendre", "troc", "urgent", "svp"),
        *("échange", "echange", "échanger", "echanger", "je", "nous", "a", "à"),
    }
)
SUGGESTION_MIN_LENGTH = 3


def title_words(title: str) -> str:
    """The words of a title being typed that say what the item is."""
    words = " ".join(title.split())[:120].split()
    kept = [word for word in words if word.lower().strip(",.;:!?") not in POSTING_WORDS]
    return " ".join(kept)
