"""HTML pages of listings: browse a community, post, read, edit, move along, my listings.

Every page works without JavaScript: plain GET forms for filters, POST forms then a 303. With
htmx, the browse filters swap the results only. A stale edit shows the form again with the
neighbour's input and a clear message: nothing typed is lost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.attributes import CATALOGUE, LISTING_ATTRIBUTE_KEYS
from marketplace.communities.category_service import CategoryService
from marketplace.communities.guards import access_to
from marketplace.communities.models import Category, Community
from marketplace.communities.service import CommunityService
from marketplace.discovery.pages import before_posting_context, community_page_context, render_search
from marketplace.errors import Conflict, Forbidden, InvalidInput
from marketplace.exchanges.display import exchange_panel, paris_time
from marketplace.exchanges.service import ExchangeService
from marketplace.favourites.service import FavouriteService
from marketplace.listings import status as life_cycle
from marketplace.listings.dependencies import LISTING_DEPENDENCIES
from marketplace.listings.models import Listing, ListingKind, ListingStatus
from marketplace.listings.rules import ListingFields
from marketplace.listings.service import ListingService
from marketplace.listings.status import Actor
from marketplace.moderation.models import REASON_LABELS
from marketplace.moderation.reposts import (
    RepostRefused,
    refuse_near_identical,
    refuse_near_identical_publication,
)
from marketplace.moderation.service import ModerationService
from marketplace.photos.dependencies import provide_drafts
from marketplace.photos.display import DraftPhotoView, cover_views, gallery_context
from marketplace.photos.draft_pages import over_limit_message
from marketplace.photos.drafts import DraftService
from marketplace.photos.models import PhotoDraft
from marketplace.photos.pages import FORM_BODY_LIMIT, close_all, flash_upload_report, uploaded_files
from marketplace.photos.service import MAX_PHOTOS_PER_LISTING, PhotoService, UploadReport
from marketplace.web.forms import FormData, back_with_error, choice_or_none, see_other, text, values
from marketplace.web.i18n import N_
from marketplace.web.i18n import gettext as _
from marketplace.web.pagination import Page, clamp
from marketplace.web.templating import render

CARDS_PER_PAGE = 24
TITLE_PREFILL_MAX = 120  # a listing title's own bound
# "Mes annonces" shows the newest few of each status, each status's whole list a page at a time.
MY_LISTINGS_PER_STATUS = 8
MY_LISTINGS_PER_PAGE = 24

# "My listings": drafts first, then what is live, then what is over.
MY_STATUS_ORDER = (
    ListingStatus.DRAFT,
    ListingStatus.AVAILABLE,
    ListingStatus.RESERVED,
    ListingStatus.EXPIRED,
    ListingStatus.WITHDRAWN,
    ListingStatus.DONE,
    ListingStatus.REMOVED,
)


def my_status(value: str | None) -> ListingStatus | None:
    if not value:
        return None
    try:
        return ListingStatus(value)
    except ValueError:
        known = ", ".join(status.value for status in MY_STATUS_ORDER)
        raise InvalidInput("statut", _("Statut inconnu : choisissez parmi %(known)s.", known=known)) from None


# The author's buttons on the detail page, by target status (publishing a draft has its own).
ACTION_LABELS = {
    ListingStatus.AVAILABLE: N_("Remettre en ligne"),
    ListingStatus.RESERVED: N_("Marquer comme réservée"),
    ListingStatus.DONE: N_("Marquer comme terminée (donnée, vendue, échangée)"),
    ListingStatus.WITHDRAWN: N_("Retirer l'annonce"),
}
DONE_MESSAGES = {
    ListingStatus.AVAILABLE: N_("Votre annonce est en ligne."),
    ListingStatus.RESERVED: N_("Annonce marquée comme réservée."),
    ListingStatus.DONE: N_("Annonce terminée : merci d'avoir fait circuler cet objet !"),
    ListingStatus.WITHDRAWN: N_("Annonce retirée. Vous pourrez la remettre en ligne."),
    ListingStatus.REMOVED: N_("Annonce supprimée ; son auteur verra la raison."),
}


def action_label(origin: ListingStatus, target: ListingStatus) -> str:
    if origin == ListingStatus.RESERVED and target == ListingStatus.AVAILABLE:
        return _("Annuler la réservation")
    return _(ACTION_LABELS[target])


def attribute_facts(listing: Listing) -> list[tuple[str, str]]:
    facts = []
    for key in LISTING_ATTRIBUTE_KEYS:
        value = (listing.attributes or {}).get(key)
        if value:
            facts.append((_(CATALOGUE[key].label), CATALOGUE[key].label_of(str(value))))
    return facts


def parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AttributeField:
    """An attribute input of the form, with the categories that use it (the no-JS hint)."""

    key: str
    label: str
    kind: str
    choices: tuple[str, ...]
    hint: str

    @property
    def name(self) -> str:
        return f"attributes.{self.key}"


def attribute_fields(categories: list[Category]) -> list[AttributeField]:
    """The attribute inputs any category of the community uses, each saying for which ones."""
    fields = []
    for key in LISTING_ATTRIBUTE_KEYS:
        users = [category.name for category in categories if key in (category.attributes or [])]
        if not users:
            continue
        spec = CATALOGUE[key]
        hint = _("Pour : %(categories)s.", categories=", ".join(users))
        fields.append(AttributeField(key, _(spec.label), spec.kind, spec.choices, hint))
    return fields


def condition_hint(categories: list[Category]) -> str:
    users = [category.name for category in categories if "condition" in (category.attributes or [])]
    return _("Pour : %(categories)s.", categories=", ".join(users)) if users else ""


def fields_from_form(form: dict[str, Any]) -> ListingFields:
    """What the posting and editing forms send, as the service reads it."""
    return ListingFields(
        kind=text(form, "kind"),
        title=text(form, "title"),
        category_id=parse_uuid(text(form, "category_id")),
        description=text(form, "description"),
        condition=text(form, "condition") or None,
        attributes={key: text(form, f"attributes.{key}") for key in LISTING_ATTRIBUTE_KEYS},
        pickup_area=text(form, "pickup_area"),
        price=text(form, "price") or None,
        wanted_in_exchange=text(form, "wanted_in_exchange"),
    )


def form_of(listing: Listing) -> dict[str, Any]:
    """The editing form filled with the listing as stored."""
    form: dict[str, Any] = {
        "kind": str(listing.kind),
        "title": listing.title,
        "category_id": str(listing.category_id),
        "description": listing.description,
        "condition": listing.condition or "",
        "pickup_area": listing.pickup_area,
        "price": "" if listing.price_cents is None else _price_input(listing.price_cents),
        "wanted_in_exchange": listing.wanted_in_exchange,
        "version": str(listing.version),
    }
    for key, value in (listing.attributes or {}).items():
        form[f"attributes.{key}"] = value
    return form


def _price_input(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    return f"{euros}" if rest == 0 else f"{euros},{rest:02d}"


# What the posting form sends beside the listing's fields: not typed, so not sent back as typed.
_NOT_FIELDS = frozenset({"_csrf_token", "photos", "draft_id", "publish_without", "action"})


def _flat(form: dict[str, Any]) -> dict[str, Any]:
    return {key: text(form, key) for key in form if key not in _NOT_FIELDS}


def in_form_order(errors: dict[str, str], fields: list[AttributeField]) -> dict[str, str]:
    """The errors in the order of the form's fields, as the error summary lists them (a refused
    photo's key is the id of its "Publier sans cette photo" box, after the photos field)."""
    order = [
        "kind",
        "title",
        "category_id",
        "description",
        "price",
        "wanted_in_exchange",
        "condition",
        *(field.name for field in fields),
        "pickup_area",
        "photos",
    ]
    ranked = {key: errors[key] for key in order if key in errors}
    ranked.update({key: message for key, message in errors.items() if key not in ranked})
    return ranked


def refused_photo_message(filename: str, reason: str) -> str:
    """The summary's line for a refused photo: the reason's first sentence (the whole of it is
    beside the photo)."""
    short = reason.split(". ", 1)[0].rstrip(".")
    return _(
        "La photo « %(file)s » est refusée (%(reason)s) : retirez-la, ou cochez « Publier sans "
        "cette photo ».",
        file=filename,
        reason=short[:1].lower() + short[1:],
    )


class ListingPages(Controller):
    include_in_schema = False
    dependencies = {**LISTING_DEPENDENCIES, "drafts": Provide(provide_drafts)}

    # --- browse --------------------------------------------------------------------------------

    @get("/communities/{slug:str}", name="community-listings")
    async def browse(
        self,
        slug: str,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        communities: CommunityService,
        listings: ListingService,
    ) -> Template | Redirect:
        """A group's page: its listings through the search, with the group preselected (the
        search's filters, counts and sorts; ``category``, ``kind`` and ``page`` as before)."""
        community = await communities.by_slug(slug)
        access = await access_to(listings.session, viewer, community)
        if not access.can_read:
            return Redirect(f"/communities/{community.slug}/about")
        context, status = await community_page_context(request, viewer, listings.session, community)
        return render_search(request, "discovery/community.html", {**context, "access": access}, status)

    # --- posting -------------------------------------------------------------------------------

    async def _form_context(
        self, community: Community, categories: CategoryService, **context: Any
    ) -> dict[str, Any]:
        tree = await categories.tree(community.id)
        fields = attribute_fields(tree)
        if context.get("errors"):
            context["errors"] = in_form_order(context["errors"], fields)
        return {
            "community": community,
            "categories": tree,
            "attribute_fields": fields,
            "condition_hint": condition_hint(tree),
            **context,
        }

    async def _photo_context(
        self, drafts: DraftService, draft: PhotoDraft | None, published_without: list[str]
    ) -> dict[str, Any]:
        """What the posting form shows of its draft's photos (``photos/_upload_field.html``)."""
        entries = await drafts.photos_of(draft) if draft is not None else []
        return {
            "draft": draft,
            "draft_photos": [DraftPhotoView.of(entry) for entry in entries],
            "published_without": published_without,
            "photo_room": max(0, MAX_PHOTOS_PER_LISTING - len(entries)),
        }

    async def _form_again(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        community: Community,
        categories: CategoryService,
        listings: ListingService,
        drafts: DraftService,
        data: dict[str, Any],
        draft: PhotoDraft | None,
        *,
        errors: dict[str, str],
        status_code: int,
        **context: Any,
    ) -> Template:
        """The posting form again with what was typed, the photos received and the errors."""
        suggestions = await before_posting_context(
            request, viewer, listings.session, text(data, "title"), text(data, "kind")
        )
        photos = await self._photo_context(drafts, draft, values(data, "publish_without"))
        form_context = await self._form_context(
            community,
            categories,
            form=_flat(data),
            errors=errors,
            before_posting=suggestions,
            **photos,
            **context,
        )
        return render("listings/new.html", status_code=status_code, **form_context)

    @get("/listings/new", name="listing-new")
    async def new(
        self,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        communities: CommunityService,
        categories: CategoryService,
        listings: ListingService,
        drafts: DraftService,
        community: str | None = None,
        kind: str | None = None,
        title: str | None = None,
        draft: str | None = None,
    ) -> Template:
        """The posting form; ``kind`` and ``title`` prefill it (the search's empty state links
        here with a "wanted" for what was searched), and what already matches shows beside it.
        ``draft`` brings the photos (and the title and text) a share from the phone left in one
        of the member's drafts; anybody else's draft is ignored, as one that does not exist."""
        mine = await communities.communities_of(user)
        chosen = next((item for item in mine if item.slug == community), None)
        if chosen is None and len(mine) == 1:
            chosen = mine[0]
        own_draft = await drafts.own_or_none(viewer, draft)
        shared = own_draft.prefill if own_draft is not None else {}
        form = {
            "kind": str(choice_or_none(ListingKind, kind) or ListingKind.GIVE),
            "title": " ".join((title or shared.get("title") or "").replace("\x00", "").split())[
                :TITLE_PREFILL_MAX
            ],
        }
        if chosen is None:
            wanted = {key: value for key, value in form.items() if value and value != "give"}
            if own_draft is not None:
                wanted = {**wanted, "draft": str(own_draft.id)}
            return render("listings/choose_community.html", communities=mine, prefill=urlencode(wanted))
        if shared.get("description"):
            form["description"] = shared["description"]
        session = listings.session
        suggestions = await before_posting_context(request, viewer, session, form["title"], form["kind"])
        context = await self._form_context(
            chosen,
            categories,
            form=form,
            errors={},
            before_posting=suggestions,
            **await self._photo_context(drafts, own_draft, []),
        )
        return render("listings/new.html", **context)

    @get("/listings/fields", name="listing-fields")
    async def attribute_inputs(
        self,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        communities: CommunityService,
        categories: CategoryService,
        listings: ListingService,
        community: str,
        category_id: str | None = None,
    ) -> Template:
        """The condition and attribute inputs of one category (htmx swaps them in the form)."""
        chosen_community = await communities.by_slug(community)
        (await access_to(listings.session, viewer, chosen_community)).require_read()
        tree = await categories.tree(chosen_community.id)
        scope = [category for category in tree if str(category.id) == category_id] or tree
        form = {
            key: value
            for key, value in request.query_params.items()
            if key == "condition" or key.startswith("attributes.")
        }
        return render(
            "listings/_attribute_fields.html",
            form=form,
            errors={},
            attribute_fields=attribute_fields(scope),
            condition_hint=condition_hint(scope),
        )

    # Multipart (the photos ride along): read with request.form(), which also takes a plain form.
    @post("/listings/new", request_max_body_size=FORM_BODY_LIMIT)
    async def create(
        self,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        communities: CommunityService,
        categories: CategoryService,
        listings: ListingService,
        drafts: DraftService,
    ) -> Template | Redirect:
        """Publish (or save as a draft listing) what the form says, with the draft's photos.

        Files the form carries (no JavaScript) join the draft first, and are kept whatever
        follows. Nothing is published while a refused photo is in the draft, unless its "Publier
        sans cette photo" box is ticked; every error, of a field or a photo, comes back at once."""
        form = await request.form()
        files = uploaded_files(form)
        data = form.dict()  # name -> values; ``text`` takes the first
        try:
            community = await communities.by_slug(text(data, "community"))
            (await access_to(listings.session, viewer, community)).require_read()
            draft, photo_errors = await self._receive_photos(user, viewer, drafts, data, files)
        finally:
            await close_all(files)
        saving_draft = text(data, "action") == "draft"
        entries = await drafts.photos_of(draft) if draft is not None else []
        if not saving_draft:
            for entry in drafts.refused(entries, values(data, "publish_without")):
                photo_errors[f"photo-{entry.id}"] = refused_photo_message(entry.filename, entry.refusal)
        errors: dict[str, str] = {}
        try:
            await listings.check_fields(community, fields_from_form(data))
        except InvalidInput as error:
            errors.update(error.field_errors)
        errors.update(photo_errors)
        again = partial(
            self._form_again, request, viewer, community, categories, listings, drafts, data, draft
        )
        if errors:
            return await again(errors=errors, status_code=400)
        try:
            if not saving_draft:
                await refuse_near_identical(
                    listings.session, community, user.id, text(data, "title"), text(data, "description")
                )
            listing = await listings.create_listing(
                community=community, author=user, data=fields_from_form(data), draft=saving_draft
            )
        except Conflict as error:
            # Beyond the group's posting rules: the form again, with what to do instead
            # (put the earlier listing back online, or finish one first); the photos stay.
            return await again(
                errors={},
                status_code=409,
                problem=str(error.detail),
                earlier=error.earlier if isinstance(error, RepostRefused) else None,
            )
        except InvalidInput as error:
            return await again(errors=error.field_errors, status_code=400)
        report = UploadReport()
        if draft is not None:
            report.added = await drafts.publish_into(draft, listing, viewer)
            if saving_draft:  # a draft listing keeps no refused file: say which ones stayed out
                report.refused = [(entry.filename, entry.refusal) for entry in entries if entry.refused]
        if saving_draft:
            flash(request, _("Brouillon enregistré : publiez-le quand il est prêt."), category="success")
        else:
            flash(request, _("Votre annonce est publiée."), category="success")
        flash_upload_report(request, report)
        return see_other(f"/listings/{listing.id}")

    async def _receive_photos(
        self,
        user: User,
        viewer: Viewer,
        drafts: DraftService,
        data: dict[str, Any],
        files: list[UploadFile],
    ) -> tuple[PhotoDraft | None, dict[str, str]]:
        """The form's draft, with the files it carries added (a new draft for the first ones)."""
        draft = await drafts.own_or_none(viewer, text(data, "draft_id"))
        errors: dict[str, str] = {}
        if files:
            draft = draft or await drafts.start(user)
            upload = await drafts.add(draft, files)
            if upload.over_limit:
                errors["photos"] = over_limit_message(upload.over_limit)
        return draft, errors

    @post("/listings/new/photos/{photo_id:uuid}/remove", request_max_body_size=FORM_BODY_LIMIT)
    async def remove_photo(
        self,
        photo_id: uuid.UUID,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        communities: CommunityService,
        categories: CategoryService,
        listings: ListingService,
        drafts: DraftService,
    ) -> Template:
        """A photo's "Retirer" button without JavaScript: it sends the whole form here, so that
        the form comes back without the photo and with everything typed (and any new file)."""
        form = await request.form()
        files = uploaded_files(form)
        data = form.dict()
        try:
            community = await communities.by_slug(text(data, "community"))
            (await access_to(listings.session, viewer, community)).require_read()
            draft, errors = await self._receive_photos(user, viewer, drafts, data, files)
        finally:
            await close_all(files)
        draft = await drafts.remove(viewer, photo_id)
        flash(request, _("Photo retirée."), category="success")
        return await self._form_again(
            request,
            viewer,
            community,
            categories,
            listings,
            drafts,
            data,
            draft,
            errors=errors,
            status_code=200,
        )

    # --- one listing ---------------------------------------------------------------------------

    @get("/listings/{listing_id:uuid}", name="listing")
    async def detail(
        self, listing_id: uuid.UUID, viewer: Viewer, listings: ListingService, photos: PhotoService
    ) -> Template:
        listing = await listings.visible(viewer, listing_id)
        actors = await listings.actors(viewer, listing)
        moves = life_cycle.next_statuses(listing.status, actors)
        gallery = await gallery_context(
            photos, listing, is_author=Actor.AUTHOR in actors, is_moderator=Actor.MODERATOR in actors
        )
        return render(
            "listings/detail.html",
            listing=listing,
            is_author=Actor.AUTHOR in actors,
            is_moderator=Actor.MODERATOR in actors,
            can_edit=Actor.AUTHOR in actors and listing.status in life_cycle.EDITABLE,
            actions=[
                (target.value, action_label(listing.status, target))
                for target in moves
                if target in ACTION_LABELS and listing.status != ListingStatus.DRAFT
            ],
            can_publish=ListingStatus.AVAILABLE in moves and listing.status == ListingStatus.DRAFT,
            can_remove=ListingStatus.REMOVED in moves,
            # Anybody signed in but its author may report what they see (moderation/pages.py).
            can_report=viewer.user_id is not None
            and Actor.AUTHOR not in actors
            and listing.status in life_cycle.SEARCHABLE,
            report_reasons=[(reason.value, _(label)) for reason, label in REASON_LABELS.items()],
            reported=await ModerationService(listings.session).has_reported(viewer, listing.id),
            favourite=await FavouriteService(listings.session).is_kept(viewer, listing.id),
            facts=attribute_facts(listing),
            exchange=await exchange_panel(ExchangeService(listings.session), viewer, listing),
            paris_time=paris_time,
            **gallery,
        )

    @post("/listings/{listing_id:uuid}/status")
    async def change_status(
        self,
        listing_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        listings: ListingService,
    ) -> Redirect:
        listing = await listings.visible(viewer, listing_id)
        version = text(data, "version")
        try:
            if listing.author_id == viewer.user_id:
                await refuse_near_identical_publication(listings.session, listing, text(data, "status"))
            # Through exchanges: done closes the other conversations, withdrawn closes them all.
            await ExchangeService(listings.session).change_listing_status(
                listings,
                listing,
                viewer,
                text(data, "status"),
                reason=text(data, "reason"),
                version=int(version) if version.isdigit() else None,
            )
        except (Conflict, Forbidden, InvalidInput) as error:
            return back_with_error(request, f"/listings/{listing_id}", error)
        flash(request, _(DONE_MESSAGES[listing.status]), category="success")
        return see_other(f"/listings/{listing_id}")

    # --- editing -------------------------------------------------------------------------------

    async def _editable(self, listing_id: uuid.UUID, viewer: Viewer, listings: ListingService) -> Listing:
        listing = await listings.visible(viewer, listing_id)
        if listing.author_id != viewer.user_id:
            raise Forbidden(_("Seul l'auteur de l'annonce peut la modifier."))
        return listing

    @get("/listings/{listing_id:uuid}/edit", name="listing-edit")
    async def edit_form(
        self,
        listing_id: uuid.UUID,
        user: User,
        viewer: Viewer,
        listings: ListingService,
        categories: CategoryService,
    ) -> Template:
        listing = await self._editable(listing_id, viewer, listings)
        context = await self._form_context(
            listing.community, categories, form=form_of(listing), errors={}, listing=listing, stale=None
        )
        return render("listings/edit.html", **context)

    @post("/listings/{listing_id:uuid}/edit")
    async def edit(
        self,
        listing_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        listings: ListingService,
        categories: CategoryService,
    ) -> Template | Redirect:
        listing = await self._editable(listing_id, viewer, listings)
        submitted = fields_from_form(data)
        version = text(data, "version")
        changes = {name: getattr(submitted, name) for name in ListingFields.__dataclass_fields__}
        try:
            await listings.edit(
                listing, viewer, version=int(version) if version.isdigit() else None, changes=changes
            )
        except (InvalidInput, Conflict) as error:
            stale = isinstance(error, Conflict) and listing.status in life_cycle.EDITABLE
            form = _flat(data)
            if stale:
                # Keep what was typed; the next save applies it over the version now stored.
                form["version"] = str(listing.version)
            errors = error.field_errors if isinstance(error, InvalidInput) else {}
            context = await self._form_context(
                listing.community,
                categories,
                form=form,
                errors=errors,
                listing=listing,
                stale=listing if stale else None,
                problem=None if isinstance(error, InvalidInput) or stale else str(error.detail),
            )
            return render("listings/edit.html", status_code=error.status_code, **context)
        flash(request, _("Annonce modifiée."), category="success")
        return see_other(f"/listings/{listing_id}")

    # --- my listings ---------------------------------------------------------------------------

    @get("/my/listings", name="my-listings")
    async def mine(
        self,
        user: User,
        viewer: Viewer,
        listings: ListingService,
        photos: PhotoService,
        statut: str | None = None,
        page: int = 1,
    ) -> Template:
        """Every status's newest few listings with how many it has; with ``statut``, that
        status's listings a page at a time (an author may have hundreds)."""
        status = my_status(statut)
        if status is not None:
            page, per_page = clamp(page, MY_LISTINGS_PER_PAGE)
            items, total = await listings.of_author(viewer, status=status, page=page, per_page=per_page)
            return render(
                "listings/mine.html",
                status=status,
                groups=[(status, items, total)],
                paging=Page(items=[], total=total, page=page, per_page=per_page),
                covers=await cover_views(photos, items),
            )
        by_status, counts = await listings.of_author_by_status(viewer, MY_LISTINGS_PER_STATUS)
        shown = [item for rows in by_status.values() for item in rows]
        return render(
            "listings/mine.html",
            status=None,
            groups=[(s, by_status[s], counts.get(s, 0)) for s in MY_STATUS_ORDER if by_status.get(s)],
            covers=await cover_views(photos, shown),
        )
