"""HTML pages of notifications: the list and its header badge, the choice per kind, and the
pages of the e-mails' links that need no login (unsubscribe, relist).

The e-mail links' POSTs skip the CSRF check (``exclude_from_csrf``): a mail client's one-click
unsubscribe (RFC 8058) posts with no cookie and no form token; the signed token in the path is
what authorises them, and nobody without the site's secret can make one.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketplace.notifications.compose import KIND_LABELS, RELIST, UNSUBSCRIBE
from marketplace.notifications.dependencies import NOTIFICATION_DEPENDENCIES
from marketplace.notifications.models import Delivery, NotificationKind
from marketplace.notifications.relisting import listing_of_link, relist_from_link
from marketplace.notifications.service import NotificationService
from marketplace.notifications.tokens import BadToken, unsign
from marketplace.settings import Settings
from marketplace.web.forms import FormData, safe_next, see_other, text
from marketplace.web.i18n import LANGUAGES, N_
from marketplace.web.i18n import gettext as _
from marketplace.web.pagination import clamp
from marketplace.web.templating import render

PER_PAGE = 30
NO_CSRF = {"exclude_from_csrf": True}

DELIVERY_LABELS = {
    Delivery.EMAIL: N_("Sur le site et par e-mail"),
    Delivery.IN_APP: N_("Sur le site seulement"),
    Delivery.OFF: N_("Jamais"),
}


def _unsubscribe_parts(settings: Settings, token: str) -> tuple[uuid.UUID, NotificationKind] | None:
    try:
        user_id, kind = unsign(settings.security.secret_key, UNSUBSCRIBE, token, parts=2)
        return uuid.UUID(user_id), NotificationKind(kind)
    except (BadToken, ValueError):
        return None


def _relist_parts(settings: Settings, token: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    try:
        listing_id, author_id = unsign(settings.security.secret_key, RELIST, token, parts=2)
        return uuid.UUID(listing_id), uuid.UUID(author_id)
    except (BadToken, ValueError):
        return None


def _bad_link() -> Template:
    return render(
        "notifications/link.html",
        status_code=400,
        heading=_("Lien invalide"),
        message=_("Ce lien n'est pas valide : il a peut-être été mal copié. Ouvrez-le depuis l'e-mail reçu."),
    )


class NotificationPages(Controller):
    dependencies = NOTIFICATION_DEPENDENCIES
    include_in_schema = False

    # --- the list -------------------------------------------------------------------------------

    @get("/notifications", name="notifications")
    async def list_page(self, user: User, notifications: NotificationService, page: int = 1) -> Template:
        page, per_page = clamp(page, PER_PAGE)
        shown, total = await notifications.page_of(user.id, page, per_page)
        return render(
            "notifications/list.html",
            shown=shown,
            total=total,
            page=page,
            pages=max(1, -(-total // per_page)),
            unread=await notifications.unread_count(user.id),
        )

    @get("/notifications/badge")
    async def badge(self, viewer: Viewer, notifications: NotificationService) -> Template:
        unread = await notifications.unread_count(viewer.user_id) if viewer.user_id else 0
        return render("notifications/_badge.html", unread=unread)

    @post("/notifications/read")
    async def read_all(self, user: User, notifications: NotificationService) -> Redirect:
        await notifications.mark_read(user.id)
        return see_other("/notifications")

    @post("/notifications/{notification_id:uuid}/open")
    async def open(
        self, notification_id: uuid.UUID, user: User, notifications: NotificationService
    ) -> Redirect:
        """Mark one notice read and go to what it is about."""
        target = await notifications.open(user.id, notification_id)
        return see_other(safe_next(target, "/notifications"))

    # --- the choice per kind --------------------------------------------------------------------

    @get("/notifications/preferences", name="notification_preferences")
    async def preferences(self, user: User, notifications: NotificationService) -> Template:
        return render(
            "notifications/preferences.html",
            choices=await notifications.preferences(user.id),
            kind_labels=KIND_LABELS,
            delivery_labels=DELIVERY_LABELS,
            language=user.language,
        )

    @post("/notifications/preferences")
    async def save_preferences(
        self, data: FormData, request: Request[Any, Any, Any], user: User, notifications: NotificationService
    ) -> Redirect:
        choices: dict[NotificationKind, Delivery] = {}
        for kind in NotificationKind:
            value = text(data, kind.value)
            if value in Delivery._value2member_map_:
                choices[kind] = Delivery(value)
        await notifications.choose(user.id, choices)
        language = text(data, "language")
        if language in LANGUAGES:
            await notifications.set_language(user, language)
        flash(request, _("Vos choix de notifications sont enregistrés."), category="success")
        return see_other("/notifications/preferences")

    # --- the e-mails' links, without login ------------------------------------------------------

    @get("/notifications/unsubscribe/{token:str}")
    async def unsubscribe_page(self, token: str, request: Request[Any, Any, Any]) -> Template:
        parts = _unsubscribe_parts(request.app.state.settings, token)
        if parts is None:
            return _bad_link()
        return render(
            "notifications/unsubscribe.html", token=token, kind_label=_(KIND_LABELS[parts[1]]), done=False
        )

    @post("/notifications/unsubscribe/{token:str}", opt=NO_CSRF, status_code=200)
    async def unsubscribe(
        self, token: str, request: Request[Any, Any, Any], notifications: NotificationService
    ) -> Template:
        """RFC 8058 one-click unsubscribe (a mail client posts ``List-Unsubscribe=One-Click``), or
        the confirmation page's button: no more e-mail of this kind."""
        parts = _unsubscribe_parts(request.app.state.settings, token)
        if parts is None:
            return _bad_link()
        user_id, kind = parts
        if not await notifications.unsubscribe(user_id, kind):
            return _bad_link()
        return render(
            "notifications/unsubscribe.html", token=token, kind_label=_(KIND_LABELS[kind]), done=True
        )

    @get("/notifications/relist/{token:str}")
    async def relist_page(
        self, token: str, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> Template:
        parts = _relist_parts(request.app.state.settings, token)
        if parts is None:
            return _bad_link()
        try:
            listing = await listing_of_link(db_session, *parts)
        except NotFound as error:
            return render(
                "notifications/link.html",
                status_code=404,
                heading=_("Annonce introuvable"),
                message=str(error.detail),
            )
        return render("notifications/relist.html", token=token, listing=listing, done=False)

    @post("/notifications/relist/{token:str}", opt=NO_CSRF, status_code=200)
    async def relist(self, token: str, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        parts = _relist_parts(request.app.state.settings, token)
        if parts is None:
            return _bad_link()
        try:
            listing = await relist_from_link(db_session, *parts)
        except NotFound as error:
            return render(
                "notifications/link.html",
                status_code=404,
                heading=_("Annonce introuvable"),
                message=str(error.detail),
            )
        except (Conflict, Forbidden, InvalidInput) as error:
            return render(
                "notifications/link.html",
                status_code=409,
                heading=_("Impossible de remettre en ligne"),
                message=str(error.detail),
            )
        return render("notifications/relist.html", token=token, listing=listing, done=True)
