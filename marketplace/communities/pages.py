"""HTML pages of communities: home, the list, about and joining, members, settings, categories.

Every page works without JavaScript: plain forms that POST, then a 303 back to the page. Refusals
of a button (already a member, last admin…) come back as a flash message on the page; forms with
fields are shown again with the message under the field.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.attributes import ATTRIBUTE_KEYS, CATALOGUE
from marketplace.communities.category_service import CategoryService
from marketplace.communities.category_templates import TEMPLATES
from marketplace.communities.dependencies import COMMUNITY_DEPENDENCIES
from marketplace.communities.guards import CommunityAccess, require_site_admin
from marketplace.communities.models import (
    Category,
    Community,
    Membership,
    MembershipStatus,
    Role,
)
from marketplace.communities.quartiers import QUARTIERS_DU_20E
from marketplace.communities.service import CommunityService
from marketplace.communities.visibility import may_read
from marketplace.errors import InvalidInput, NotFound
from marketplace.listings.dependencies import provide_listings
from marketplace.listings.service import ListingService
from marketplace.photos.dependencies import provide_photos, provide_storage
from marketplace.photos.display import cover_views
from marketplace.photos.service import PhotoService
from marketplace.web.forms import FormData, see_other, text
from marketplace.web.i18n import gettext as _
from marketplace.web.pagination import MAX_PER_PAGE, Page, clamp
from marketplace.web.templating import render

LATEST_ON_HOME = 8


# The home page shows the newest listings the reader may see, with their covers.
LATEST_LISTINGS_DEPENDENCIES = {
    "listings": Provide(provide_listings),
    "storage": Provide(provide_storage),
    "photos": Provide(provide_photos),
}

# The quartiers of the 20e are offered as pickup areas (others can be typed in).
QUARTIERS = QUARTIERS_DU_20E
CARDS_PER_PAGE = 24
MEMBER_ACTIONS = ("approve", "reject", "ban", "role")
CATEGORY_ACTIONS = ("edit", "up", "down", "archive", "unarchive", "merge")


@dataclass(frozen=True)
class Card:
    """A community as listed, with the reader's own membership."""

    community: Community
    membership: Membership | None

    @property
    def status(self) -> str | None:
        return str(self.membership.status) if self.membership else None

    @property
    def can_read(self) -> bool:
        return may_read(self.community, self.membership)


def values(form: dict[str, Any], name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), trimmed, blanks dropped."""
    raw = form.get(name, [])
    items = raw if isinstance(raw, list) else [raw]
    return [str(item).strip() for item in items if str(item).strip()]


def pickup_areas_of(form: dict[str, Any]) -> list[str]:
    """Ticked quartiers, then the ones typed in "other areas" (comma or line separated)."""
    typed = [area.strip() for area in re.split(r"[,\n]", text(form, "other_areas"))]
    return [*values(form, "pickup_areas"), *(area for area in typed if area)]


def lifetime_of(form: dict[str, Any]) -> int:
    """The number of days typed; 0 (refused by the service, with its message) when not a number."""
    raw = text(form, "listing_lifetime_days") or "30"
    return int(raw) if raw.isdigit() and len(raw) < 6 else 0


def _back(request: Request[Any, Any, Any], path: str, error: HTTPException) -> Redirect:
    flash(request, str(error.detail), category="error")
    return see_other(path)


def community_form_context(form: dict[str, Any], errors: dict[str, str], **context: Any) -> dict[str, Any]:
    chosen = form.get("pickup_areas", [])
    return {
        "form": form,
        "errors": errors,
        "quartiers": QUARTIERS,
        "chosen_areas": chosen if isinstance(chosen, list) else [chosen],
        "visibility_options": [
            ("public", _("Public : tout le monde voit les annonces")),
            ("members", _("Réservé aux membres : seuls les membres voient les annonces")),
        ],
        "policy_options": [
            ("open", _("Ouvert : on rejoint en un clic")),
            ("approval", _("Sur validation : un modérateur accepte chaque demande")),
        ],
        **context,
    }


def form_of(community: Community) -> dict[str, Any]:
    known = [area for area in community.pickup_areas if area in QUARTIERS]
    return {
        "name": community.name,
        "description": community.description,
        "rules": community.rules,
        "visibility": str(community.visibility),
        "join_policy": str(community.join_policy),
        "join_question": community.join_question,
        "pickup_areas": known,
        "other_areas": ", ".join(area for area in community.pickup_areas if area not in QUARTIERS),
        "listing_lifetime_days": community.listing_lifetime_days,
    }


class CommunityPages(Controller):
    include_in_schema = False
    dependencies = COMMUNITY_DEPENDENCIES

    async def _cards(
        self, communities: CommunityService, viewer: Viewer, page: int
    ) -> tuple[list[Card], Page[Any]]:
        page, per_page = clamp(page, CARDS_PER_PAGE)
        rows, total = await communities.page_of_communities(page, per_page)
        mine = await communities.memberships_of(viewer.user_id, [row.id for row in rows])
        cards = [Card(row, mine.get(row.id)) for row in rows]
        return cards, Page(items=[], total=total, page=page, per_page=per_page)

    @get("/", name="home", dependencies=LATEST_LISTINGS_DEPENDENCIES)
    async def home(
        self,
        viewer: Viewer,
        communities: CommunityService,
        listings: ListingService,
        photos: PhotoService,
        page: int = 1,
    ) -> Template:
        cards, paging = await self._cards(communities, viewer, page)
        latest = await listings.latest(viewer, limit=LATEST_ON_HOME)
        return render(
            "home.html",
            cards=cards,
            paging=paging,
            latest=latest,
            covers=await cover_views(photos, latest),
            show_community=True,
        )

    @get("/communities", name="communities")
    async def index(self, viewer: Viewer, communities: CommunityService, page: int = 1) -> Template:
        cards, paging = await self._cards(communities, viewer, page)
        return render("communities/index.html", cards=cards, paging=paging)

    # --- creation (site admins) ----------------------------------------------------------------

    @get("/communities/new", name="community-new")
    async def new_form(self, user: User, viewer: Viewer) -> Template:
        require_site_admin(viewer)
        form = {
            "visibility": "public",
            "join_policy": "open",
            "template": "none",
            "listing_lifetime_days": 30,
        }
        return render("communities/new.html", **community_form_context(form, {}, templates=TEMPLATES))

    @post("/communities/new")
    async def create(
        self,
        data: FormData,
        user: User,
        viewer: Viewer,
        communities: CommunityService,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        require_site_admin(viewer)
        try:
            community = await communities.create_community(
                creator=user,
                slug=text(data, "slug"),
                name=text(data, "name"),
                description=text(data, "description"),
                rules=text(data, "rules"),
                visibility=text(data, "visibility"),
                join_policy=text(data, "join_policy"),
                join_question=text(data, "join_question"),
                pickup_areas=pickup_areas_of(data),
                template=text(data, "template") or "none",
                listing_lifetime_days=lifetime_of(data),
            )
        except InvalidInput as error:
            return render(
                "communities/new.html",
                status_code=400,
                **community_form_context(data, error.field_errors, templates=TEMPLATES),
            )
        except HTTPException as error:
            return render(
                "communities/new.html",
                status_code=error.status_code,
                **community_form_context(data, {"slug": str(error.detail)}, templates=TEMPLATES),
            )
        flash(request, _("Le groupe « %(name)s » est créé.", name=community.name), category="success")
        return see_other(f"/communities/{community.slug}/about")

    # --- about, joining, leaving ---------------------------------------------------------------

    @get("/communities/{slug:str}/about", name="community-about")
    async def about(
        self, community: Community, access: CommunityAccess, communities: CommunityService
    ) -> Template:
        return await self._about(community, access, communities, form={}, errors={})

    async def _about(
        self,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        form: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        pending = 0
        if access.is_moderator:
            _rows, pending = await communities.page_of_members(community, MembershipStatus.PENDING, 1, 1)
        return render(
            "communities/about.html",
            status_code=status_code,
            community=community,
            access=access,
            membership=access.membership,
            pending_count=pending,
            form=form,
            errors=errors,
        )

    @post("/communities/{slug:str}/join")
    async def join(
        self,
        data: FormData,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        about = f"/communities/{community.slug}/about"
        try:
            membership = await communities.join(community, user, text(data, "answer"))
        except InvalidInput as error:
            return await self._about(
                community, access, communities, data, error.field_errors, status_code=400
            )
        except HTTPException as error:
            return _back(request, about, error)
        if membership.status == MembershipStatus.ACTIVE:
            flash(request, _("Bienvenue dans « %(name)s » !", name=community.name), category="success")
            return see_other(f"/communities/{community.slug}")
        flash(request, _("Demande envoyée : un modérateur va l'examiner."), category="success")
        return see_other(about)

    @post("/communities/{slug:str}/leave")
    async def leave(
        self, user: User, community: Community, communities: CommunityService, request: Request[Any, Any, Any]
    ) -> Redirect:
        about = f"/communities/{community.slug}/about"
        try:
            await communities.leave(community, user)
        except HTTPException as error:
            return _back(request, about, error)
        flash(request, _("Vous avez quitté « %(name)s ».", name=community.name), category="success")
        return see_other(about)

    # --- settings (community admins) -----------------------------------------------------------

    @get("/communities/{slug:str}/settings", name="community-settings")
    async def settings_form(self, user: User, community: Community, access: CommunityAccess) -> Template:
        access.require_admin()
        return render(
            "communities/settings.html", community=community, **community_form_context(form_of(community), {})
        )

    @post("/communities/{slug:str}/settings")
    async def save_settings(
        self,
        data: FormData,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        access.require_admin()
        try:
            await communities.update_community(
                community,
                name=text(data, "name"),
                description=text(data, "description"),
                rules=text(data, "rules"),
                visibility=text(data, "visibility"),
                join_policy=text(data, "join_policy"),
                join_question=text(data, "join_question"),
                pickup_areas=pickup_areas_of(data),
                listing_lifetime_days=lifetime_of(data),
            )
        except InvalidInput as error:
            return render(
                "communities/settings.html",
                status_code=400,
                community=community,
                **community_form_context(data, error.field_errors),
            )
        flash(request, _("Réglages enregistrés."), category="success")
        return see_other(f"/communities/{community.slug}/about")


class MemberPages(Controller):
    """Moderators and admins handle applicants, bans and roles."""

    include_in_schema = False
    dependencies = COMMUNITY_DEPENDENCIES

    @get("/communities/{slug:str}/members", name="community-members")
    async def members(
        self,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        page: int = 1,
    ) -> Template:
        access.require_moderator()
        page, per_page = clamp(page, MAX_PER_PAGE)
        sections: dict[str, Any] = {}
        for status in MembershipStatus:
            wanted_page = page if status == MembershipStatus.ACTIVE else 1
            rows, total = await communities.page_of_members(community, status, wanted_page, per_page)
            sections[str(status)] = Page(items=rows, total=total, page=wanted_page, per_page=per_page)
        return render(
            "communities/members.html",
            community=community,
            access=access,
            me=user,
            sections=sections,
            roles=[
                (str(Role.MEMBER), _("Membre")),
                (str(Role.MODERATOR), _("Modérateur")),
                (str(Role.ADMIN), _("Administrateur")),
            ],
        )

    @post("/communities/{slug:str}/members/{user_id:uuid}/{action:str}")
    async def decide(
        self,
        user_id: uuid.UUID,
        action: str,
        data: FormData,
        user: User,
        community: Community,
        access: CommunityAccess,
        communities: CommunityService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        if action not in MEMBER_ACTIONS:
            raise NotFound()
        page = f"/communities/{community.slug}/members"
        access.require_moderator()
        assert access.role is not None  # a moderator has a role
        message = text(data, "message")
        try:
            if action == "approve":
                membership = await communities.approve(community, user, user_id)
                done = _("%(name)s est maintenant membre.", name=membership.user.display_name)
            elif action == "reject":
                membership = await communities.reject(community, user, user_id, message)
                done = _("Demande de %(name)s refusée.", name=membership.user.display_name)
            elif action == "ban":
                membership = await communities.ban(community, user, access.role, user_id, message)
                done = _("%(name)s est exclu du groupe.", name=membership.user.display_name)
            else:  # role
                access.require_admin()
                membership = await communities.set_role(community, user_id, text(data, "role"))
                done = _("Rôle de %(name)s modifié.", name=membership.user.display_name)
        except HTTPException as error:
            return _back(request, page, error)
        flash(request, done, category="success")
        return see_other(page)


@dataclass(frozen=True)
class CategoryGroup:
    """A top-level category and its sub-categories, with their listing counts."""

    parent: Category
    children: list[Category]


class CategoryPages(Controller):
    """Community admins curate their categories."""

    include_in_schema = False
    dependencies = COMMUNITY_DEPENDENCIES

    @get("/communities/{slug:str}/categories", name="community-categories")
    async def categories_page(
        self,
        user: User,
        viewer: Viewer,
        community: Community,
        access: CommunityAccess,
        categories: CategoryService,
    ) -> Template:
        access.require_admin()
        return await self._render(categories, viewer, community, form={}, errors={})

    async def _render(
        self,
        categories: CategoryService,
        viewer: Viewer,
        community: Community,
        form: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        every = await categories.tree(community.id, include_archived=True)
        groups = [
            CategoryGroup(parent, [child for child in every if child.parent_id == parent.id])
            for parent in every
            if parent.parent_id is None
        ]
        return render(
            "communities/categories.html",
            status_code=status_code,
            community=community,
            groups=groups,
            every=every,
            parents=[category for category in every if category.parent_id is None and not category.archived],
            counts=await categories.listing_counts(viewer, community.id),
            catalogue=[(key, CATALOGUE[key].label) for key in ATTRIBUTE_KEYS],
            form=form,
            errors=errors,
        )

    @post("/communities/{slug:str}/categories")
    async def create(
        self,
        data: FormData,
        user: User,
        viewer: Viewer,
        community: Community,
        access: CommunityAccess,
        categories: CategoryService,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        access.require_admin()
        page = f"/communities/{community.slug}/categories"
        try:
            category = await categories.create_category(
                community.id,
                name=text(data, "name"),
                parent_id=_uuid_or_none(text(data, "parent_id"), "parent_id"),
                attributes=values(data, "attributes"),
            )
        except InvalidInput as error:
            return await self._render(
                categories, viewer, community, data, error.field_errors, status_code=400
            )
        except HTTPException as error:
            return await self._render(
                categories,
                viewer,
                community,
                data,
                {"name": str(error.detail)},
                status_code=error.status_code,
            )
        flash(request, _("Catégorie « %(name)s » créée.", name=category.name), category="success")
        return see_other(page)

    @post("/communities/{slug:str}/categories/{category_id:uuid}/{action:str}")
    async def change(
        self,
        category_id: uuid.UUID,
        action: str,
        data: FormData,
        user: User,
        community: Community,
        access: CommunityAccess,
        categories: CategoryService,
        request: Request[Any, Any, Any],
    ) -> Redirect:
        if action not in CATEGORY_ACTIONS:
            raise NotFound()
        access.require_admin()
        page = f"/communities/{community.slug}/categories"
        category = await categories.by_id(category_id)
        if category.community_id != community.id:
            raise NotFound(_("Cette catégorie n'existe pas."))
        try:
            if action == "edit":
                await categories.update_category(
                    category,
                    name=text(data, "name"),
                    parent_id=_uuid_or_none(text(data, "parent_id"), "parent_id"),
                    attributes=values(data, "attributes"),
                )
                done = _("Catégorie « %(name)s » enregistrée.", name=category.name)
            elif action in ("up", "down"):
                await categories.move(category, -1 if action == "up" else 1)
                done = _("Ordre des catégories modifié.")
            elif action in ("archive", "unarchive"):
                await categories.update_category(category, archived=action == "archive")
                done = (
                    _("Catégorie « %(name)s » archivée.", name=category.name)
                    if action == "archive"
                    else _("Catégorie « %(name)s » de nouveau proposée.", name=category.name)
                )
            else:  # merge
                into_id = _uuid_or_none(text(data, "into"), "into")
                if into_id is None:
                    raise InvalidInput("into", _("Choisissez la catégorie où déplacer les annonces."))
                into, moved = await categories.merge(category, into_id)
                done = _(
                    "%(count)s annonce(s) déplacée(s) dans « %(into)s » ; « %(name)s » est archivée.",
                    count=moved,
                    into=into.name,
                    name=category.name,
                )
        except HTTPException as error:
            return _back(request, page, error)
        flash(request, done, category="success")
        return see_other(page)


def _uuid_or_none(value: str, field: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise InvalidInput(field, _("Choix invalide.")) from error
