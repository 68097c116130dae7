"""HTML pages of communities: the list, creating one, about and joining, settings.

Every page works without JavaScript: plain forms that POST, then a 303 back to the page. Refusals
of a button (already a member, last admin…) come back as a flash message on the page; forms with
fields are shown again with the message under the field. Members and categories have their own
pages (``member_pages``, ``category_pages``); the home page is the site's (``web/home.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.category_templates import TEMPLATES
from marketplace.communities.dependencies import COMMUNITY_DEPENDENCIES, CONTENT_COMMUNITY
from marketplace.communities.guards import CommunityAccess, require_site_admin
from marketplace.communities.models import Community, Membership, MembershipStatus
from marketplace.communities.quartiers import QUARTIERS_DU_20E
from marketplace.communities.service import CommunityService
from marketplace.communities.visibility import may_read
from marketplace.errors import InvalidInput
from marketplace.web.forms import FormData, back_with_error, see_other, text, values
from marketplace.web.i18n import gettext as _
from marketplace.web.pagination import Page, clamp
from marketplace.web.templating import render

# The quartiers of the 20e are offered as pickup areas (others can be typed in).
QUARTIERS = QUARTIERS_DU_20E
CARDS_PER_PAGE = 24


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


async def community_cards(
    communities: CommunityService, viewer: Viewer, page: int
) -> tuple[list[Card], Page[Any]]:
    """One page of the communities, each with the reader's membership (the home page's too)."""
    page, per_page = clamp(page, CARDS_PER_PAGE)
    rows, total = await communities.page_of_communities(page, per_page)
    mine = await communities.memberships_of(viewer.user_id, [row.id for row in rows])
    cards = [Card(row, mine.get(row.id)) for row in rows]
    return cards, Page(items=[], total=total, page=page, per_page=per_page)


def pickup_areas_of(form: dict[str, Any]) -> list[str]:
    """Ticked quartiers, then the ones typed in "other areas" (comma or line separated)."""
    typed = [area.strip() for area in re.split(r"[,\n]", text(form, "other_areas"))]
    return [*values(form, "pickup_areas"), *(area for area in typed if area)]


def lifetime_of(form: dict[str, Any]) -> int:
    """The number of days typed; 0 (refused by the service, with its message) when not a number."""
    raw = text(form, "listing_lifetime_days") or "30"
    return int(raw) if raw.isdigit() and len(raw) < 6 else 0


def count_of(form: dict[str, Any], key: str) -> int:
    """A whole number typed (blank: 0, no rule); -1 (refused by the service) when not a number."""
    raw = text(form, key) or "0"
    return int(raw) if raw.isdigit() and len(raw) < 6 else -1


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
        "max_active_listings": community.max_active_listings,
        "repost_delay_days": community.repost_delay_days,
    }


class CommunityPages(Controller):
    include_in_schema = False
    dependencies = COMMUNITY_DEPENDENCIES

    @get("/communities", name="communities")
    async def index(self, viewer: Viewer, communities: CommunityService, page: int = 1) -> Template:
        cards, paging = await community_cards(communities, viewer, page)
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
            return back_with_error(request, about, error)
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
            return back_with_error(request, about, error)
        flash(request, _("Vous avez quitté « %(name)s ».", name=community.name), category="success")
        return see_other(about)

    # --- settings (community admins) -----------------------------------------------------------

    @get("/communities/{slug:str}/settings", name="community-settings", dependencies=CONTENT_COMMUNITY)
    async def settings_form(self, user: User, community: Community, access: CommunityAccess) -> Template:
        access.require_admin()
        return render(
            "communities/settings.html", community=community, **community_form_context(form_of(community), {})
        )

    @post("/communities/{slug:str}/settings", dependencies=CONTENT_COMMUNITY)
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
                user,
                name=text(data, "name"),
                description=text(data, "description"),
                rules=text(data, "rules"),
                visibility=text(data, "visibility"),
                join_policy=text(data, "join_policy"),
                join_question=text(data, "join_question"),
                pickup_areas=pickup_areas_of(data),
                listing_lifetime_days=lifetime_of(data),
                max_active_listings=count_of(data, "max_active_listings"),
                repost_delay_days=count_of(data, "repost_delay_days"),
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
