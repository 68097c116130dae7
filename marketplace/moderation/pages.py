"""HTML pages of moderation: reporting a listing, the moderators' queue and their decisions, the
audit log. Plain forms that POST, then a 303 back (usable without JavaScript), one handler per
decision as the API has one action per call."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.communities.models import Community
from marketplace.errors import Conflict, Forbidden, InvalidInput
from marketplace.moderation.audit_log import action_label, audit_page, role_change
from marketplace.moderation.dependencies import MODERATION_DEPENDENCIES
from marketplace.moderation.models import ModerationAction
from marketplace.moderation.queue import queue_of
from marketplace.moderation.service import ModerationService
from marketplace.web.forms import FormData, back_with_error, safe_next, see_other, text
from marketplace.web.i18n import N_
from marketplace.web.i18n import gettext as _
from marketplace.web.pagination import Page, clamp
from marketplace.web.templating import render

AUDIT_PER_PAGE = 50
REFUSALS = (Conflict, Forbidden, InvalidInput)
DONE = {
    ModerationAction.REMOVE: N_("Annonce supprimée ; son auteur voit votre raison."),
    ModerationAction.WARN: N_("Avertissement envoyé à l'auteur."),
    ModerationAction.BAN: N_("L'auteur est exclu du groupe ; ses annonces ne sont plus visibles."),
    ModerationAction.DISMISS: N_("Signalement classé sans suite."),
}


class ModerationPages(Controller):
    include_in_schema = False
    dependencies = MODERATION_DEPENDENCIES

    # --- reporting ----------------------------------------------------------------------------

    @post("/listings/{listing_id:uuid}/report")
    async def report(
        self,
        listing_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        moderation: ModerationService,
    ) -> Redirect:
        back = f"/listings/{listing_id}"
        try:
            await moderation.report_listing(viewer, listing_id, text(data, "reason"), text(data, "details"))
        except REFUSALS as error:
            return back_with_error(request, back, error)
        flash(
            request, _("Merci : les modérateurs du groupe vont regarder cette annonce."), category="success"
        )
        return see_other(back)

    # --- the queue ----------------------------------------------------------------------------

    @get("/communities/{slug:str}/moderation", name="moderation-queue")
    async def queue(
        self, user: User, viewer: Viewer, community: Community, moderation: ModerationService
    ) -> Template:
        items = await queue_of(moderation.session, viewer, community)
        return render("moderation/queue.html", community=community, items=items, audit_label=action_label)

    async def _decide(
        self,
        action: ModerationAction,
        report_id: uuid.UUID,
        data: dict[str, Any],
        request: Request[Any, Any, Any],
        viewer: Viewer,
        moderation: ModerationService,
    ) -> Redirect:
        back = safe_next(text(data, "next"), "/")
        try:
            await moderation.resolve(viewer, report_id, action, text(data, "reason"))
        except REFUSALS as error:
            # The redirect commits (autocommit on redirects): nothing of a refused decision may.
            await moderation.session.rollback()
            return back_with_error(request, back, error)
        flash(request, _(DONE[action]), category="success")
        return see_other(back)

    @post("/reports/{report_id:uuid}/remove")
    async def remove(
        self,
        report_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        moderation: ModerationService,
    ) -> Redirect:
        return await self._decide(ModerationAction.REMOVE, report_id, data, request, viewer, moderation)

    @post("/reports/{report_id:uuid}/warn")
    async def warn(
        self,
        report_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        moderation: ModerationService,
    ) -> Redirect:
        return await self._decide(ModerationAction.WARN, report_id, data, request, viewer, moderation)

    @post("/reports/{report_id:uuid}/ban")
    async def ban(
        self,
        report_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        moderation: ModerationService,
    ) -> Redirect:
        return await self._decide(ModerationAction.BAN, report_id, data, request, viewer, moderation)

    @post("/reports/{report_id:uuid}/dismiss")
    async def dismiss(
        self,
        report_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        moderation: ModerationService,
    ) -> Redirect:
        return await self._decide(ModerationAction.DISMISS, report_id, data, request, viewer, moderation)

    # --- the audit log ------------------------------------------------------------------------

    @get("/communities/{slug:str}/audit", name="community-audit")
    async def audit(
        self,
        user: User,
        viewer: Viewer,
        community: Community,
        moderation: ModerationService,
        page: int = 1,
    ) -> Template:
        page, per_page = clamp(page, AUDIT_PER_PAGE)
        lines, total = await audit_page(moderation.session, viewer, community, page, per_page)
        return render(
            "moderation/audit.html",
            community=community,
            lines=lines,
            role_change=role_change,
            paging=Page(items=[], total=total, page=page, per_page=per_page),
        )
