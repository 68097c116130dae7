"""Import listings from JSONL idempotently (design.md, "Import format"): the writes, through the services.

The format of a line and its checks are ``import_format.py``; this module finds or creates what
the lines name and hands the listings, 500 at a time, to ``ListingImports.import_batch``.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from babel import Locale
from litestar.exceptions import HTTPException
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.models import User
from marketplace.accounts.service import UserService
from marketplace.communities.category_service import CategoryService
from marketplace.communities.models import Category, Community
from marketplace.communities.service import CommunityService
from marketplace.errors import NotFound
from marketplace.listings.import_format import (
    ImportFile,
    ImportLine,
    LineError,
    describe_refusal,
    parse_line,
    read_file,
)
from marketplace.listings.import_writes import ImportItem, ListingImports
from marketplace.listings.service import now_utc
from marketplace.web.i18n import babel_locale, ngettext
from marketplace.web.i18n import gettext as _

# The format's names, still importable from here by the importer's callers.
__all__ = ["ImportLine", "ImportReport", "LineError", "import_account", "import_listings", "parse_line"]

IMPORT_ACCOUNT_EMAIL = "import@marketplace.invalid"
IMPORT_ACCOUNT_NAME = "Import"
# No argon2 hash: verifying any password against it fails, so nobody can log in as "Import".
UNUSABLE_PASSWORD_HASH = "!"  # noqa: S105
# Lines written together: one query for the listings they name, two flushes.
BATCH_SIZE = 500


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def refuse(self, number: int, reason: str) -> None:
        self.skipped += 1
        self.errors.append((number, reason))

    @property
    def read(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped

    def summary(self) -> str:
        """One line, e.g. "92 annonces lues : 92 créées, 0 mise à jour, 0 inchangée, 0 ignorée."."""
        return _(
            "%(read)s : %(created)s, %(updated)s, %(unchanged)s, %(skipped)s.",
            read=_count("%(num)s annonce lue", "%(num)s annonces lues", self.read),
            created=_count("%(num)s créée", "%(num)s créées", self.created),
            updated=_count("%(num)s mise à jour", "%(num)s mises à jour", self.updated),
            unchanged=_count("%(num)s inchangée", "%(num)s inchangées", self.unchanged),
            skipped=_count("%(num)s ignorée", "%(num)s ignorées", self.skipped),
        )


def _count(singular: str, plural: str, number: int) -> str:
    # French puts 0 in the singular ("0 créée"), but French has no catalogue, and gettext's rule
    # without one is English's (only 1 is singular): the reader's language's own rule picks the form.
    one = Locale.parse(babel_locale()).plural_form(number) == "one"
    return ngettext(singular, plural, 1 if one else 2, num=number)


class _Importer:
    def __init__(
        self,
        session: AsyncSession,
        file: ImportFile,
        *,
        default_author: User | None,
        create_communities: bool,
        listing_lifetime_days: int,
    ) -> None:
        self.session = session
        self.users = UserService(session=session)
        self.communities = CommunityService(session=session)
        self.categories = CategoryService(session=session)
        self.listings = ListingImports(session=session)
        self.default_author = default_author
        self.create_communities = create_communities
        self.lifetime_days = listing_lifetime_days
        self.keys_by_category = file.category_keys()
        self.areas_by_community = file.pickup_areas()
        self._communities: dict[str, Community] = {}
        self._authors: dict[str, User] = {}
        self._categories: dict[tuple[str, str], Category | HTTPException] = {}
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

    async def category(self, community: Community, name: str) -> Category:
        """The line's category, found or created once per file (``InvalidInput`` if archived)."""
        key = (community.slug, name)
        if key not in self._categories:
            try:
                found = await self.categories.find_or_create(
                    community.id, name, self.keys_by_category.get(key, [])
                )
                self._categories[key] = await self.categories.in_community(community.id, found.id)
            except HTTPException as error:
                self._categories[key] = error
        category = self._categories[key]
        if isinstance(category, HTTPException):
            raise category
        return category

    async def item(self, line: ImportLine) -> ImportItem:
        community = await self.community(line.community)
        return ImportItem(
            number=line.number,
            community=community,
            category=await self.category(community, line.category),
            author=await self.author(line.author_email),
            ref=line.ref,
            data=line.data,
            status=line.status,
            created_at=line.created_at,
        )

    async def import_batch(self, lines: Sequence[ImportLine], report: ImportReport) -> None:
        items: list[ImportItem] = []
        for line in lines:
            try:
                items.append(await self.item(line))
            except LineError as error:
                report.refuse(line.number, str(error))
            except HTTPException as error:  # refused by a service: the community's rules
                report.refuse(line.number, describe_refusal(error))
        outcomes = await self.listings.import_batch(items, default_author=self.fallback_author, now=self.now)
        for item, outcome in outcomes:
            if isinstance(outcome, HTTPException):
                report.refuse(item.number, describe_refusal(outcome))
            elif outcome == "created":
                report.created += 1
            elif outcome == "updated":
                report.updated += 1
            else:
                report.unchanged += 1


async def import_account(session: AsyncSession) -> User:
    """The built-in author of imported listings that name nobody: inactive, it cannot log in."""
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
    default_author = None
    if default_author_email:
        default_author = await UserService(session=session).by_email(default_author_email)
        if default_author is None:
            raise NotFound(_("Aucun compte pour « %(email)s ».", email=default_author_email))

    file = read_file(lines)
    report = ImportReport(skipped=len(file.errors), errors=list(file.errors))
    importer = _Importer(
        session,
        file,
        default_author=default_author,
        create_communities=create_communities,
        listing_lifetime_days=listing_lifetime_days,
    )
    for start in range(0, len(file.lines), BATCH_SIZE):
        await importer.import_batch(file.lines[start : start + BATCH_SIZE], report)
    report.errors.sort()
    return report
