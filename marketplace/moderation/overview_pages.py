"""The moderators' overview: one page gathering, group by group, the applicants waiting for a
decision and the reported items waiting in each group's queue, and the header's badge that
counts them (loaded by htmx like the other badges; the page itself needs no JavaScript)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import NotFound
from marketplace.moderation.overview import APPLICANTS_SHOWN, overview_of, waiting_counts
from marketplace.web.i18n import gettext as _
from marketplace.web.templating import render

STOP_POLLING = 286  # https://htmx.org/docs/#polling


class ModerationOverviewPages(Controller):
    include_in_schema = False

    @get("/moderation", name="moderation-overview")
    async def overview(self, user: User, viewer: Viewer, db_session: AsyncSession) -> Template:
        overview = await overview_of(db_session, viewer)
        if not overview.moderates:
            # As a group's queue answers those who do not moderate it.
            raise NotFound(_("Cette page est réservée aux modérateurs et administrateurs des groupes."))
        return render("moderation/overview.html", overview=overview, applicants_shown=APPLICANTS_SHOWN)

    @get("/moderation/badge")
    async def badge(self, viewer: Viewer, db_session: AsyncSession) -> Template:
        overview = await waiting_counts(db_session, viewer)
        # Somebody who moderates nothing gets an empty badge with htmx's "stop polling" status
        # (286): most members would otherwise ask again every minute for nothing.
        status = HTTP_200_OK if overview.moderates else STOP_POLLING
        return render("moderation/_badge.html", overview=overview, status_code=status)
