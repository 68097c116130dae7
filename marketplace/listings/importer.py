"""Import listings from JSONL, one listing a line, idempotently (design.md, "Import format").

A line: ``ref`` (kept, unique per community), ``community`` (slug), ``category`` (name, created
when missing), ``kind``, ``title``, ``description``, ``price`` (euros or null), ``condition``
(catalogue slug or null), ``attributes`` (size, shoe_size, gender, brand, season),
``pickup_area``, ``status``, ``created_at`` (ISO 8601), and optionally ``author_email`` and
``wanted_in_exchange``.

- (community, ref) is the key: importing the same file again changes nothing (no new version,
  no ``updated_at`` change, no search outbox row); a changed line updates its listing.
- A category missing from a community is created with the attribute keys the file uses in it
  (and ``condition`` when its lines carry one); an existing category gains the keys it lacks.
- With ``create_communities``, an unknown community is created: from the vide-dressing template
  when its slug says "dressing", else vide-grenier; public with admission on approval (content
  stays readable, and the first real admin decides who joins), with the quartiers of the file as
  its pickup areas. Without it, lines of unknown communities are reported and skipped.
- Authors: the line's ``author_email``, else the ``--author`` account, else the built-in
  "Import" account (inactive: it cannot log in).
- ``created_at`` is kept; ``published_at`` is ``created_at``; a listing expires one lifetime
  after ``max(created_at, now)``, so that an old file does not give listings born expired.
- A bad line is reported with its number and a French message, and skipped; the rest imports.
  Lines are checked before anything is written for them, so a refused line leaves no trace.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from litestar.exceptions import HTTPException
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.models import User
from marketplace.communities.models import Community
from marketplace.errors import InvalidInput, NotFound
from marketplace.communities.attributes import LISTING_ATTRIBUTE_KEYS
from marketplace.listings.models import ListingStatus
from marketplace.listings.rules import ListingFields, clean_listing
from marketplace.listings.service import ListingService, now_utc
from marketplace.web.i18n import gettext as _

IMPORT_ACCOUNT_EMAIL = "import@marketplace.invalid"
IMPORT_ACCOUNT_NAME = "Import"
# No argon2 hash: verifying any password against it fails, so nobody can log in as "Import".
UNUSABLE_PASSWORD_HASH = "!"  # noqa: S105
REF_MAX = 80
REQUIRED = ("ref", "community", "category", "kind", "title", "created_at")
IMPORTABLE_STATUSES = frozenset(
    {
        ListingStatus.DRAFT,
        ListingStatus.AVAILABLE,
        ListingStatus.RESERVED,
        ListingStatus.DONE,
        ListingStatus.WITHDRAWN,
        ListingStatus.EXPIRED,
    }
)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped

    def summary(self) -> str:
        """One French line, e.g. "92 annonces lues : 92 créées, 0 mise à jour, 0 inchangée, 0 ignorée."."""

        def count(number: int, singular: str, plural: str) -> str:
            return f"{number} {singular if number <= 1 else plural}"

        return _(
            "%(read)s : %(created)s, %(updated)s, %(unchanged)s, %(skipped)s.",
            read=count(self.read, "annonce lue", "annonces lues"),
            created=count(self.created, "créée", "créées"),
            updated=count(self.updated, "mise à jour", "mises à jour"),
            unchanged=count(self.unchanged, "inchangée", "inchangées"),
            skipped=count(self.skipped, "ignorée", "ignorées"),
        )


class LineError(Exception):
    """A line that cannot be imported, with the French reason."""


@dataclass(frozen=True)
class ImportLine:
    number: int
    ref: str
    community: str
    category: str
    status: ListingStatus
    created_at: datetime.datetime
    author_email: str | None
    data: ListingFields

    @property
    def attribute_keys(self) -> list[str]:
        keys = [key for key in self.data.attributes if self.data.attributes[key] not in (None, "")]
        return [*keys, "condition"] if self.data.condition else keys


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LineError(_("« %(key)s » doit être un texte.", key=key))
    return value.strip()


def _parse_created_at(value: Any) -> datetime.datetime:
    if not isinstance(value, str):
        raise LineError(_("« created_at » doit être une date ISO 8601."))
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise LineError(_("« created_at » n'est pas une date ISO 8601 : %(value)s.", value=value)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)  # a date without zone is taken as UTC
    return moment.astimezone(datetime.UTC)


def parse_line(number: int, line: str) -> ImportLine:
    """One line of the file, checked on its own (no database): LineError says what is wrong."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as error:
        raise LineError(_("JSON invalide (%(error)s).", error=error.msg)) from None
    if not isinstance(raw, dict):
        raise LineError(_("Chaque ligne doit être un objet JSON."))
    missing = [key for key in REQUIRED if raw.get(key) in (None, "")]
    if missing:
        raise LineError(_("Champ(s) manquant(s) : %(fields)s.", fields=", ".join(missing)))
    ref = _text(raw, "ref")
    if len(ref) > REF_MAX:
        raise LineError(_("« ref » fait au plus 80 caractères."))
    try:
        status = ListingStatus(_text(raw, "status") or ListingStatus.AVAILABLE.value)
    except ValueError:
        raise LineError(_("Statut inconnu : %(status)s.", status=raw.get("status"))) from None
    if status not in IMPORTABLE_STATUSES:
        raise LineError(
            _("Une annonce ne peut pas être importée avec le statut « %(status)s ».", status=status)
        )
    attributes = raw.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise LineError(_("« attributes » doit être un objet."))
    unknown = sorted(set(attributes) - set(LISTING_ATTRIBUTE_KEYS))
    if unknown:
        raise LineError(_("Attribut(s) inconnu(s) : %(keys)s.", keys=", ".join(unknown)))
    author_email = _text(raw, "author_email") or None
    data = ListingFields(
        kind=_text(raw, "kind"),
        title=_text(raw, "title"),
        category_id=None,
        description=_text(raw, "description"),
        condition=raw.get("condition"),
        attributes=attributes,
        pickup_area=_text(raw, "pickup_area"),
        price=raw.get("price"),
        wanted_in_exchange=_text(raw, "wanted_in_exchange"),
    )
    parsed = ImportLine(
        number=number,
        ref=ref,
        community=_text(raw, "community"),
        category=_text(raw, "category"),
        status=status,
        created_at=_parse_created_at(raw.get("created_at")),
        author_email=author_email,
        data=data,
    )
    # The rules of the fields themselves, before any write (the community's quartiers and the
    # category's keys are checked again by the service, against the database).
    try:
        clean_listing(
            data, category_attributes=parsed.attribute_keys, pickup_areas=[], require_exchange=False
        )
    except InvalidInput as error:
        raise LineError(_describe(error)) from None
    return parsed


def _describe(error: HTTPException) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(f"{key} : {message}" for key, message in error.field_errors.items())
    return str(error.detail)


class _Importer:
    def __init__(
        self,
        session: AsyncSession,
        *,
        default_author: User | None,
        create_communities: bool,
        listing_lifetime_days: int,
        keys_by_category: dict[tuple[str, str], list[str]],
        areas_by_community: dict[str, list[str]],
    ) -> None:
        from marketplace.accounts.service import UserService
        from marketplace.communities.category_service import CategoryService
        from marketplace.communities.service import CommunityService

        self.session = session
        self.users = UserService(session=session)
        self.communities = CommunityService(session=session)
        self.categories = CategoryService(session=session)
        self.listings = ListingService(session=session)
        self.default_author = default_author
        self.create_communities = create_communities
        self.lifetime_days = listing_lifetime_days
        self.keys_by_category = keys_by_category
        self.areas_by_community = areas_by_community
        self._communities: dict[str, Community] = {}
        self._authors: dict[str, User] = {}
        self.now = now_utc()

    async def community(self, slug: str) -> Community:
        if slug in self._communities:
            return self._communities[slug]
        try:
            community = await self.communities.by_slug(slug)
        except NotFound:
            if not self.create_communities:
                raise LineError(
                    _("Le groupe « %(slug)s » n'existe pas (--create-communities le crée).", slug=slug)
                ) from None
            community = await self.communities.create_community(
                creator=None,
                slug=slug,
                name=slug.replace("-", " ").capitalize(),
                visibility="public",
                join_policy="approval",
                pickup_areas=self.areas_by_community.get(slug, []),
                template="vide-dressing" if "dressing" in slug else "vide-grenier",
                listing_lifetime_days=self.lifetime_days,
            )
        self._communities[slug] = community
        return community

    async def author(self, email: str | None) -> User | None:
        if email is None:
            return None
        if email not in self._authors:
            user = await self.users.by_email(email)
            if user is None:
                raise LineError(_("Aucun compte pour « %(email)s ».", email=email))
            self._authors[email] = user
        return self._authors[email]

    async def fallback_author(self) -> User:
        if self.default_author is None:
            self.default_author = await import_account(self.session)
        return self.default_author

    async def import_line(self, line: ImportLine) -> str:
        community = await self.community(line.community)
        author = await self.author(line.author_email)
        category = await self.categories.find_or_create(
            community.id, line.category, self.keys_by_category.get((line.community, line.category), [])
        )
        return await self.listings.import_listing(
            community=community,
            author=author,
            default_author=self.fallback_author,
            ref=line.ref,
            data=replace(line.data, category_id=category.id),
            status=line.status,
            created_at=line.created_at,
            lifetime_days=community.listing_lifetime_days,
            now=self.now,
        )


async def import_account(session: AsyncSession) -> User:
    """The built-in author of imported listings that name nobody: inactive, it cannot log in."""
    from marketplace.accounts.service import UserService

    users = UserService(session=session)
    account = await users.by_email(IMPORT_ACCOUNT_EMAIL)
    if account is None:
        account = await users.create(
            User(
                email=IMPORT_ACCOUNT_EMAIL,
                display_name=IMPORT_ACCOUNT_NAME,
                password_hash=UNUSABLE_PASSWORD_HASH,
                is_active=False,
            )
        )
    return account


async def import_listings(
    session: AsyncSession,
    lines: Iterable[str],
    *,
    default_author_email: str | None,
    create_communities: bool,
    listing_lifetime_days: int,
) -> ImportReport:
    """Import the JSONL ``lines`` (see the module's docstring); the caller commits."""
    from marketplace.accounts.service import UserService

    report = ImportReport()
    default_author = None
    if default_author_email:
        default_author = await UserService(session=session).by_email(default_author_email)
        if default_author is None:
            raise NotFound(_("Aucun compte pour « %(email)s ».", email=default_author_email))

    parsed: list[ImportLine] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            parsed.append(parse_line(number, text))
        except LineError as error:
            report.skipped += 1
            report.errors.append((number, str(error)))

    keys_by_category: dict[tuple[str, str], list[str]] = {}
    areas_by_community: dict[str, list[str]] = {}
    for line in parsed:
        keys = keys_by_category.setdefault((line.community, line.category), [])
        keys.extend(key for key in line.attribute_keys if key not in keys)
        areas = areas_by_community.setdefault(line.community, [])
        if line.data.pickup_area and line.data.pickup_area.casefold() not in {a.casefold() for a in areas}:
            areas.append(line.data.pickup_area)

    importer = _Importer(
        session,
        default_author=default_author,
        create_communities=create_communities,
        listing_lifetime_days=listing_lifetime_days,
        keys_by_category=keys_by_category,
        areas_by_community=areas_by_community,
    )
    for line in parsed:
        try:
            outcome = await importer.import_line(line)
        except LineError as error:
            report.skipped += 1
            report.errors.append((line.number, str(error)))
            continue
        except HTTPException as error:  # refused by a service: the community's rules
            report.skipped += 1
            report.errors.append((line.number, _describe(error)))
            continue
        if outcome == "created":
            report.created += 1
        elif outcome == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
    report.errors.sort()
    return report
