"""Every write on listings, with its rules: posting, drafts, edits, the life cycle, expiry, imports.

Each write records the change in the same transaction (``indexing.changes``): the search index
then sees every change that commits, and none that does not. The row says ``upsert`` when the
listing's new status is findable (available, reserved) and ``delete`` otherwise (draft, done,
withdrawn, expired, removed), so the index holds exactly the findable listings.

The reads (through the visibility rule) are in ``listings/reads.py``; the field rules in
``listings/rules.py``; the life cycle in ``listings/status.py``.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from marketplace.accounts.auth import Viewer
from marketplace.accounts.guards import ensure_verified
from marketplace.accounts.models import User
from marketplace.communities.category_service import CategoryService
from marketplace.communities.models import Category, Community
from marketplace.communities.service import CommunityService
from marketplace.errors import Conflict, Forbidden, InvalidInput
from marketplace.indexing.changes import record_change, record_listing_change
from marketplace.indexing.models import ChangeSubject
from marketplace.listings import status as life_cycle
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.reads import ListingReads
from marketplace.listings.rules import (
    EDITABLE_FIELDS,
    REASON_MAX,
    CleanListing,
    ListingFields,
    clean_listing,
    fields_of,
)
from marketplace.listings.status import Actor, Decision
from marketplace.moderation.audit import record_audit
from marketplace.moderation.audit_model import AuditAction
from marketplace.notifications.models import NotificationKind
from marketplace.notifications.record import notify
from marketplace.web.i18n import gettext as _


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _status_label(status: ListingStatus) -> str:
    return _(life_cycle.STATUS_LABELS[status])


class ListingService(ListingReads):
    # --- helpers shared by the writes ----------------------------------------------------------

    async def _category(self, community: Community, category_id: uuid.UUID | None) -> Category:
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

    async def _flush_with_change(self, listing: Listing) -> Listing:
        """Write the listing, then record its change (a new listing has its id once flushed)."""
        await self.session.flush()
        self.record_change(listing)
        await self.session.flush()
        return listing

    def record_change(self, listing: Listing) -> None:
        """Record, in this transaction, that readers may now find ``listing`` differently.

        Also called by the photo service: a new cover changes what a search shows."""
        record_listing_change(self.session, listing.id, findable=listing.status in life_cycle.SEARCHABLE)

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

    async def _require_active_member(self, community: Community, user: User) -> None:
        await CommunityService(session=self.session).require_member(community, user)

    async def active_count(self, community: Community, author_id: uuid.UUID) -> int:
        """How many listings ``author_id`` has in front of the neighbours of ``community``."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(Listing)
            .where(
                Listing.community_id == community.id,
                Listing.author_id == author_id,
                Listing.status.in_(life_cycle.SEARCHABLE),
            )
        )
        return int(count or 0)

    async def require_room(self, community: Community, author_id: uuid.UUID) -> None:
        """409 when the member already has the community's maximum of active listings (0: none)."""
        cap = community.max_active_listings
        if cap and await self.active_count(community, author_id) >= cap:
            raise Conflict(
                _(
                    "Vous avez déjà %(count)s annonces en ligne dans « %(name)s », le maximum fixé "
                    "par le groupe. Marquez-en une comme terminée ou retirez-la avant d'en publier "
                    "une autre.",
                    count=cap,
                    name=community.name,
                )
            )

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

        403 unless ``author`` is an active member of ``community`` whose address is confirmed."""
        ensure_verified(author)
        await self._require_active_member(community, author)
        now = now or now_utc()
        category, cleaned = await self._clean(community, data)
        assert category is not None
        if not draft:
            await self.require_room(community, author.id)
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
        return await self._flush_with_change(listing)

    async def check_fields(self, community: Community, data: ListingFields) -> None:
        """What ``create_listing`` would say of these fields, without writing anything: the
        posting form reports them with its other errors (its photos) in one go."""
        await self._clean(community, data)

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
        await self._require_active_member(listing.community, viewer.user)
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
        return await self._flush_with_change(listing)

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
            await self._require_active_member(listing.community, viewer.user)
        now = now or now_utc()
        reopening = target == ListingStatus.AVAILABLE and listing.status in (
            ListingStatus.DRAFT,
            ListingStatus.WITHDRAWN,
            ListingStatus.EXPIRED,
        )
        if reopening:
            await self.require_room(listing.community, listing.author_id)
            # Publishing and relisting start a fresh lifetime, at the top of "newest first".
        if reopening:
            self._open(listing, now)
        listing.status = target
        if target == ListingStatus.REMOVED:
            listing.removal_reason = reason
            listing.removed_by_id = viewer.user_id
            await notify(
                self.session,
                recipient_id=listing.author_id,
                kind=NotificationKind.MODERATION,
                event="listing.removed",
                listing_id=listing.id,
                actor_id=viewer.user_id,
                data={"listing_title": listing.title, "reason": reason},
            )
            record_audit(
                self.session,
                community_id=listing.community_id,
                actor_id=viewer.user_id,
                action=AuditAction.LISTING_REMOVED,
                subject_user_id=listing.author_id,
                listing_id=listing.id,
                reason=reason,
                details={"listing_title": listing.title},
            )
        listing.status_changed_at = now
        return await self._flush_with_change(listing)

    async def publish(self, listing: Listing, viewer: Viewer) -> Listing:
        """A draft becomes available."""
        if listing.status != ListingStatus.DRAFT:
            raise Conflict(_("Seul un brouillon peut être publié."))
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
                await self._flush_with_change(listing)
                count += 1
        return count

    # --- categories: what a merge does to listings -----------------------------------------------

    async def merge_categories(self, source: Category, into_id: uuid.UUID) -> tuple[Category, int]:
        """Move the listings of ``source`` into another category of its community, then archive it.

        The moved listings keep their attributes: the target takes the attribute keys of the
        source, to show and edit them from now on. Returns the target and how many listings
        moved; one change (the target category's) is recorded for the search index."""
        categories = CategoryService(session=self.session)
        into = await categories.merge_target(source, into_id)
        moving = await self.session.scalars(select(Listing).where(Listing.category_id == source.id))
        moved = 0
        for listing in moving.unique():
            listing.category = into
            listing.category_id = into.id
            moved += 1
        await categories.absorb(source, into)
        record_change(self.session, ChangeSubject.CATEGORY, into.id)
        await self.session.flush()
        return into, moved
