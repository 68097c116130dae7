"""Every write on listings, with its rules: posting, drafts, edits, the life cycle, expiry, moves.

Each write adds a ``SearchOutboxEntry`` in the same transaction (the indexer drains them):
``upsert`` when the listing's new status is findable (available, reserved), ``delete`` otherwise
(draft, done, withdrawn, expired, removed). The index then holds exactly the findable listings,
and a listing that leaves them (sold, withdrawn, removed by a moderator) leaves the index with
its status change; the indexer never has to re-check a status.

Reads go through the visibility rule (``marketplace.communities.visibility``): a listing the
reader may not see does not exist for them (404), in reads by id, in browse and in counts.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.models import Category, Community
from marketplace.communities.visibility import can_read
from marketplace.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketplace.listings import status as life_cycle
from marketplace.listings.models import (
    Listing,
    ListingKind,
    ListingStatus,
    OutboxOperation,
    SearchOutboxEntry,
)
from marketplace.listings.rules import (
    EDITABLE_FIELDS,
    REASON_MAX,
    CleanListing,
    ListingFields,
    clean_listing,
    fields_of,
)
from marketplace.listings.status import Actor, Decision
from marketplace.web.i18n import gettext as _


def _readable(viewer: Viewer) -> ColumnElement[bool]:
    """The visibility rule applied to listings (via their community)."""
    return can_read(viewer, Listing.community_id.expression)


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _status_label(status: ListingStatus) -> str:
    return _(life_cycle.STATUS_LABELS[status])


# --- The service ---------------------------------------------------------------------------------


class ListingService(SQLAlchemyAsyncRepositoryService[Listing]):
    class Repo(SQLAlchemyAsyncRepository[Listing]):
        model_type = Listing

    repository_type = Repo

    @property
    def session(self) -> AsyncSession:
        return self.repository.session  # type: ignore[return-value]

    # --- helpers shared by the writes ----------------------------------------------------------

    async def _category(self, community: Community, category_id: uuid.UUID | None) -> Category:
        from marketplace.communities.category_service import CategoryService

        if category_id is None:
            raise InvalidInput("category_id", _("Choisissez une catégorie."))
        return await CategoryService(session=self.session).in_community(community.id, category_id)

    async def _clean(
        self, community: Community, data: ListingFields, *, require_exchange: bool = True
    ) -> tuple[Category | None, CleanListing]:
        """The category and the cleaned fields, reporting the errors of both at once."""
        errors: dict[str, str] = {}
        category: Category | None = None
        try:
            category = await self._category(community, data.category_id)
        except InvalidInput as error:
            errors.update(error.field_errors)
        try:
            cleaned = clean_listing(
                data,
                category_attributes=list(category.attributes or []) if category else [],
                pickup_areas=list(community.pickup_areas or []),
                require_exchange=require_exchange,
            )
        except InvalidInput as error:
            # Without a valid category, its attributes cannot be judged: report the category only.
            field_errors = error.field_errors
            if category is None:
                field_errors = {
                    key: msg
                    for key, msg in field_errors.items()
                    if not key.startswith("attributes.") and key != "condition"
                }
            errors.update(field_errors)
        if errors:
            raise InvalidInput.many(errors)
        return category, cleaned

    def _outbox(self, listing: Listing) -> None:
        operation = (
            OutboxOperation.UPSERT if listing.status in life_cycle.SEARCHABLE else OutboxOperation.DELETE
        )
        self.session.add(SearchOutboxEntry(listing_id=listing.id, operation=operation))

    async def _flush_with_outbox(self, listing: Listing) -> Listing:
        await self.session.flush()  # assigns the id of a new listing, bumps the version of an edit
        self._outbox(listing)
        await self.session.flush()
        return listing

    @staticmethod
    def _apply(listing: Listing, cleaned: CleanListing) -> bool:
        """Copy the cleaned fields onto the listing; True if anything changed."""
        changed = False
        for name in (
            "kind",
            "title",
            "description",
            "condition",
            "attributes",
            "pickup_area",
            "price_cents",
            "wanted_in_exchange",
        ):
            value = getattr(cleaned, name)
            if getattr(listing, name) != value:
                setattr(listing, name, value)
                changed = True
        return changed

    async def actors(self, viewer: Viewer, listing: Listing) -> set[Actor]:
        """The capacities in which ``viewer`` acts on ``listing``."""
        from marketplace.communities.service import CommunityService

        held: set[Actor] = set()
        if viewer.user_id is None:
            return held
        if listing.author_id == viewer.user_id:
            held.add(Actor.AUTHOR)
        if viewer.is_site_admin or await CommunityService(session=self.session).is_moderator(
            listing.community_id, viewer.user_id
        ):
            held.add(Actor.MODERATOR)
        return held

    async def _require_active_member(self, listing: Listing, user: User) -> None:
        from marketplace.communities.service import CommunityService

        await CommunityService(session=self.session).require_member(listing.community, user)

    # --- posting and editing --------------------------------------------------------------------

    async def create_listing(
        self,
        *,
        community: Community,
        author: User,
        data: ListingFields,
        draft: bool = False,
        now: datetime.datetime | None = None,
    ) -> Listing:
        """Post a listing: published at once (available) unless ``draft``.

        The caller has checked that ``author`` is an active member of ``community``."""
        now = now or now_utc()
        category, cleaned = await self._clean(community, data)
        assert category is not None
        listing = Listing(
            community=community,
            community_id=community.id,
            category=category,
            category_id=category.id,
            author=author,
            author_id=author.id,
        )
        self._apply(listing, cleaned)
        if draft:
            listing.status = ListingStatus.DRAFT
        else:
            self._open(listing, now)
        listing.status_changed_at = now
        self.session.add(listing)
        return await self._flush_with_outbox(listing)

    @staticmethod
    def _open(listing: Listing, now: datetime.datetime) -> None:
        """Put a listing in front of the neighbours, for the community's listing lifetime."""
        listing.status = ListingStatus.AVAILABLE
        listing.published_at = now
        listing.expires_at = now + datetime.timedelta(days=listing.community.listing_lifetime_days)

    async def edit(
        self, listing: Listing, viewer: Viewer, *, version: int | None, changes: Mapping[str, Any]
    ) -> Listing:
        """Change the author's fields; ``version`` is the one the author read (stale → 409).

        The result obeys the same rules as a new listing. Attributes the (new) category does not
        use and that the author did not send are dropped rather than refused: they came from an
        earlier category, and the author cannot see them in the form anymore."""
        if viewer.user is None or viewer.user_id != listing.author_id:
            raise Forbidden(_("Seul l'auteur de l'annonce peut la modifier."))
        if version is None:
            raise InvalidInput("version", _("Indiquez la version de l'annonce que vous modifiez."))
        if version != listing.version:
            raise Conflict(
                _(
                    "Cette annonce a été modifiée entre-temps (sur un autre appareil ?). "
                    "Rechargez-la : vos modifications n'ont pas été enregistrées."
                )
            )
        if listing.status not in life_cycle.EDITABLE:
            raise Conflict(
                _(
                    "Une annonce « %(status)s » ne peut plus être modifiée.",
                    status=_status_label(listing.status),
                )
            )
        await self._require_active_member(listing, viewer.user)
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], _("Ce champ ne peut pas être modifié."))
        merged = replace(fields_of(listing), **dict(changes))
        if "category_id" in changes and "attributes" not in changes:
            merged = await self._keep_usable_attributes(listing.community, merged)
        category, cleaned = await self._clean(listing.community, merged)
        assert category is not None
        changed = self._apply(listing, cleaned)
        if listing.category_id != category.id:
            listing.category = category
            listing.category_id = category.id
            changed = True
        if not changed:
            return listing  # nothing to write: no new version, no outbox row
        return await self._flush_with_outbox(listing)

    async def _keep_usable_attributes(self, community: Community, merged: ListingFields) -> ListingFields:
        try:
            category = await self._category(community, merged.category_id)
        except InvalidInput:
            return merged  # reported by _clean with the other errors
        usable = set(category.attributes or [])
        attributes = {key: value for key, value in merged.attributes.items() if key in usable}
        condition = merged.condition if "condition" in usable else None
        return replace(merged, attributes=attributes, condition=condition)

    # --- the life cycle --------------------------------------------------------------------------

    async def change_status(
        self,
        listing: Listing,
        viewer: Viewer,
        target: ListingStatus | str,
        *,
        reason: str = "",
        version: int | None = None,
        now: datetime.datetime | None = None,
    ) -> Listing:
        """Move ``listing`` to ``target`` if the life cycle allows it for ``viewer``.

        409 for a move the life cycle does not have (naming both statuses), 403 for one that is
        not this person's to make; a removal needs a reason, shown to the author."""
        try:
            target = ListingStatus(str(target))
        except ValueError:
            raise InvalidInput(
                "status", _("Statut inconnu : %(values)s.", values=", ".join(s.value for s in ListingStatus))
            ) from None
        if version is not None and version != listing.version:
            raise Conflict(_("Cette annonce a été modifiée entre-temps. Rechargez-la avant de continuer."))
        actors = await self.actors(viewer, listing)
        decision = life_cycle.decide(listing.status, target, actors)
        if decision is Decision.INVALID:
            raise Conflict(
                _(
                    "Impossible de passer une annonce de « %(origin)s » à « %(target)s ».",
                    origin=_status_label(listing.status),
                    target=_status_label(target),
                )
            )
        if decision is Decision.FORBIDDEN:
            if target == ListingStatus.REMOVED:
                raise Forbidden(_("Seuls les modérateurs du groupe peuvent supprimer une annonce."))
            raise Forbidden(_("Seul l'auteur de l'annonce peut changer son statut."))
        reason = (reason or "").strip()
        if target == ListingStatus.REMOVED:
            if not reason:
                raise InvalidInput("reason", _("Indiquez la raison de la suppression : l'auteur la verra."))
            if len(reason) > REASON_MAX:
                raise InvalidInput("reason", _("1000 caractères au plus."))
        if (listing.status, target) in life_cycle.PUBLISHING and viewer.user is not None:
            await self._require_active_member(listing, viewer.user)
        now = now or now_utc()
        if target == ListingStatus.AVAILABLE and listing.status in (
            ListingStatus.DRAFT,
            ListingStatus.WITHDRAWN,
            ListingStatus.EXPIRED,
        ):
            # Publishing and relisting start a fresh lifetime, at the top of "newest first".
            self._open(listing, now)
        listing.status = target
        if target == ListingStatus.REMOVED:
            listing.removal_reason = reason
            listing.removed_by_id = viewer.user_id
        listing.status_changed_at = now
        return await self._flush_with_outbox(listing)

    async def publish(self, listing: Listing, viewer: Viewer) -> Listing:
        """A draft becomes available."""
        if listing.status != ListingStatus.DRAFT:
            raise Conflict(_("Seul un brouillon peut être publié."))
        return await self.change_status(listing, viewer, ListingStatus.AVAILABLE)

    async def relist(self, listing: Listing, viewer: Viewer) -> Listing:
        """A withdrawn or expired listing is available again, for a fresh lifetime."""
        if listing.status not in (ListingStatus.WITHDRAWN, ListingStatus.EXPIRED):
            raise Conflict(_("Seule une annonce retirée ou expirée peut être remise en ligne."))
        return await self.change_status(listing, viewer, ListingStatus.AVAILABLE)

    async def remove(self, listing: Listing, viewer: Viewer, reason: str) -> Listing:
        """A moderator removes a listing, with a reason the author sees."""
        return await self.change_status(listing, viewer, ListingStatus.REMOVED, reason=reason)

    async def expire_due(self, now: datetime.datetime) -> int:
        """Available listings whose lifetime is over become expired (the worker calls this)."""
        due = await self.session.scalars(
            select(Listing)
            .where(Listing.status == ListingStatus.AVAILABLE, Listing.expires_at <= now)
            .order_by(Listing.expires_at)
        )
        count = 0
        for listing in due.unique():
            if life_cycle.decide(listing.status, ListingStatus.EXPIRED, {Actor.SYSTEM}) is Decision.ALLOWED:
                listing.status = ListingStatus.EXPIRED
                listing.status_changed_at = now
                await self._flush_with_outbox(listing)
                count += 1
        return count

    async def move_to_category(self, from_category_id: uuid.UUID, to_category_id: uuid.UUID) -> int:
        """Move every listing of a category to another (category merge); returns how many moved.

        Attributes are kept as they are: a merge must not lose what authors wrote."""
        target = await self.session.get(Category, to_category_id)
        if target is None:
            raise NotFound()
        moving = await self.session.scalars(select(Listing).where(Listing.category_id == from_category_id))
        count = 0
        for listing in moving.unique():
            listing.category = target
            listing.category_id = target.id
            await self._flush_with_outbox(listing)
            count += 1
        return count

    # --- imports ------------------------------------------------------------------------------

    async def by_ref(self, community_id: uuid.UUID, ref: str) -> Listing | None:
        return await self.session.scalar(
            select(Listing).where(Listing.community_id == community_id, Listing.ref == ref)
        )

    async def import_listing(
        self,
        *,
        community: Community,
        author: User | None,
        default_author: Callable[[], Awaitable[User]],
        ref: str,
        data: ListingFields,
        status: ListingStatus,
        created_at: datetime.datetime,
        lifetime_days: int,
        now: datetime.datetime | None = None,
    ) -> str:
        """Create or update the listing ``ref`` of ``community``; "created", "updated" or "unchanged".

        ``author`` is the line's own; ``default_author`` gives the author of a new listing that
        names none (an existing listing keeps its author).

        Idempotent: a line equal to what is stored writes nothing (no version, no outbox row).
        A swap may come without ``wanted_in_exchange`` (the import format has none; the
        description says it). The file's status opens a new listing; on an existing one it may
        close it (done, withdrawn) but never reopens what the site has moved on (a reservation,
        an expiry, a moderator's removal)."""
        now = now or now_utc()
        category, cleaned = await self._clean(community, data, require_exchange=False)
        assert category is not None
        listing = await self.by_ref(community.id, ref)
        if listing is None:
            chosen = author or await default_author()
            listing = Listing(
                community=community,
                community_id=community.id,
                category=category,
                category_id=category.id,
                author=chosen,
                author_id=chosen.id,
                ref=ref,
                status=status,
                created_at=created_at,
                updated_at=created_at,
                status_changed_at=created_at,
            )
            self._apply(listing, cleaned)
            if status != ListingStatus.DRAFT:
                # An old file must not give listings that are born expired.
                listing.published_at = created_at
                listing.expires_at = max(created_at, now) + datetime.timedelta(days=lifetime_days)
            self.session.add(listing)
            await self._flush_with_outbox(listing)
            return "created"
        changed = self._apply(listing, cleaned)
        if listing.category_id != category.id:
            listing.category = category
            listing.category_id = category.id
            changed = True
        if author is not None and listing.author_id != author.id:
            listing.author = author
            listing.author_id = author.id
            changed = True
        closing = status in (ListingStatus.DONE, ListingStatus.WITHDRAWN)
        if closing and listing.status in (ListingStatus.AVAILABLE, ListingStatus.RESERVED):
            listing.status = status
            listing.status_changed_at = now
            changed = True
        if not changed:
            return "unchanged"
        await self._flush_with_outbox(listing)
        return "updated"

    # --- reads, all through the visibility rule -------------------------------------------------

    def _visible(self, viewer: Viewer) -> Select[Listing]:
        return select(Listing).where(_readable(viewer))

    async def visible(self, viewer: Viewer, listing_id: uuid.UUID) -> Listing:
        """The listing if ``viewer`` may see it, else NotFound (the same answer as for no listing).

        Drafts are seen by their author only; removed listings by their author and the
        moderators of the community."""
        listing = await self.session.scalar(self._visible(viewer).where(Listing.id == listing_id))
        if listing is None:
            raise NotFound(_("Cette annonce n'existe pas ou n'est pas visible."))
        is_author = viewer.user_id is not None and listing.author_id == viewer.user_id
        if listing.status == ListingStatus.DRAFT and not is_author:
            raise NotFound(_("Cette annonce n'existe pas ou n'est pas visible."))
        if (
            listing.status == ListingStatus.REMOVED
            and not is_author
            and Actor.MODERATOR not in await self.actors(viewer, listing)
        ):
            raise NotFound(_("Cette annonce n'existe pas ou n'est pas visible."))
        return listing

    async def browse(
        self,
        viewer: Viewer,
        community: Community,
        *,
        category_id: uuid.UUID | None = None,
        kind: ListingKind | None = None,
        page: int = 1,
        per_page: int = 24,
    ) -> tuple[list[Listing], int]:
        """The findable listings of a community, newest first; a category includes its children."""
        query = self._visible(viewer).where(
            Listing.community_id == community.id, Listing.status.in_(life_cycle.SEARCHABLE)
        )
        if category_id is not None:
            children = select(Category.id).where(
                Category.community_id == community.id,
                or_(Category.id == category_id, Category.parent_id == category_id),
            )
            query = query.where(Listing.category_id.in_(children))
        if kind is not None:
            query = query.where(Listing.kind == kind)
        return await self._page(
            query.order_by(Listing.published_at.desc(), Listing.id.desc()), page, per_page
        )

    async def latest(self, viewer: Viewer, limit: int = 8) -> list[Listing]:
        """The newest findable listings of every community ``viewer`` may read (the home page)."""
        query = (
            self._visible(viewer)
            .where(Listing.status.in_(life_cycle.SEARCHABLE))
            .order_by(Listing.published_at.desc(), Listing.id.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(query)).unique())

    async def of_author(
        self, viewer: Viewer, *, status: ListingStatus | None = None, page: int = 1, per_page: int = 24
    ) -> tuple[list[Listing], int]:
        """The viewer's own listings in every status (drafts included), newest first.

        Still through the visibility rule: a listing in a members-only group the author has
        left is out of their reach like the rest of that group."""
        if viewer.user_id is None:
            return [], 0
        query = self._visible(viewer).where(Listing.author_id == viewer.user_id)
        if status is not None:
            query = query.where(Listing.status == status)
        return await self._page(query.order_by(Listing.created_at.desc(), Listing.id.desc()), page, per_page)

    async def _page(self, query: Select[Listing], page: int, per_page: int) -> tuple[list[Listing], int]:
        total = await self.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        rows = await self.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
        return list(rows.unique()), int(total or 0)

    async def count_visible(self, viewer: Viewer, community_id: uuid.UUID) -> int:
        """How many findable listings of the community ``viewer`` may see (0 for an outsider)."""
        total = await self.session.scalar(
            select(func.count(Listing.id)).where(
                Listing.community_id == community_id,
                Listing.status.in_(life_cycle.SEARCHABLE),
                _readable(viewer),
            )
        )
        return int(total or 0)
