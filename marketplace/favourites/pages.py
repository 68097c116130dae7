"""HTML pages of favourites: the "Garder de côté" button of a listing and the page /favoris.

The button is a POST form (then a 303 back, with a flash), which htmx posts in place and swaps
for the button's other state: the page works the same without JavaScript.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import Conflict
from marketplace.favourites.dependencies import FAVOURITE_DEPENDENCIES
from marketplace.favourites.service import FavouriteService, KeptState
from marketplace.listings.service import ListingService
from marketplace.photos.display import cover_views
from marketplace.photos.service import PhotoService
from marketplace.web.forms import FormData, back_with_error, safe_next, see_other, text
from marketplace.web.i18n import gettext as _
from marketplace.web.templating import is_htmx, render

ON_LINE = (KeptState.AVAILABLE, KeptState.RESERVED)


def _button(listing_id: uuid.UUID, kept: bool, *, status_code: int = 200, problem: str = "") -> Template:
    return render(
        "favourites/_button.html",
        status_code=status_code,
        listing_id=listing_id,
        favourite=kept,
        favourite_problem=problem,
    )


class FavouritePages(Controller):
    include_in_schema = False
    dependencies = FAVOURITE_DEPENDENCIES

    @get("/favoris", name="favourites")
    async def list_page(
        self, user: User, viewer: Viewer, favourites: FavouriteService, photos: PhotoService
    ) -> Template:
        items, total = await favourites.kept(viewer)
        return render(
            "favourites/list.html",
            on_line=[item for item in items if item.state in ON_LINE],
            over=[item for item in items if item.state not in ON_LINE],
            total=total,
            covers=await cover_views(photos, [item.listing for item in items if item.listing is not None]),
        )

    @get("/listings/{listing_id:uuid}/favourite")
    async def button(self, listing_id: uuid.UUID, viewer: Viewer, favourites: FavouriteService) -> Template:
        """The button in its current state, for a listing the reader may see (loaded by htmx
        when the listing page did not draw it)."""
        await ListingService(session=favourites.session).visible(viewer, listing_id)
        return _button(listing_id, await favourites.is_kept(viewer, listing_id))

    @post("/listings/{listing_id:uuid}/favourite")
    async def keep(
        self,
        listing_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        viewer: Viewer,
        favourites: FavouriteService,
    ) -> Template | Redirect:
        back = safe_next(text(data, "next"), f"/listings/{listing_id}")
        try:
            await favourites.keep(viewer, listing_id)
        except Conflict as error:
            if is_htmx(request):
                return _button(listing_id, False, status_code=200, problem=str(error.detail))
            return back_with_error(request, back, error)
        if is_htmx(request):
            return _button(listing_id, True)
        flash(request, _("Annonce gardée de côté : retrouvez-la dans « Mes favoris »."), category="success")
        return see_other(back)

    @post("/listings/{listing_id:uuid}/favourite/delete")
    async def release(
        self,
        listing_id: uuid.UUID,
        data: FormData,
        request: Request[Any, Any, Any],
        user: User,
        favourites: FavouriteService,
    ) -> Template | Redirect:
        await favourites.release(user.id, listing_id)
        if is_htmx(request):
            return _button(listing_id, False)
        flash(request, _("Annonce retirée de vos favoris."), category="success")
        return see_other(safe_next(text(data, "next"), f"/listings/{listing_id}"))
