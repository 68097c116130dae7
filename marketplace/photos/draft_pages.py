"""The photos of the posting form before it is published, and the phone's share sheet.

- ``POST /drafts/photos``: one photo, sent by ``upload.js`` as soon as it is chosen (with a
  progress bar); answers the form's entry for it (its thumbnail, or why it was refused) and the
  draft's id in ``X-Draft-Id``. Without JavaScript the posting form itself carries the files
  into the same kind of draft (``listings/pages.py``).
- ``POST /drafts/photos/{id}/delete``: an entry's "Retirer" button, with JavaScript.
- ``GET /drafts/photos/{id}/thumb/…``: a draft's thumbnail, to its author only, kept by no
  shared cache and indexed by no search engine.
- ``POST /share-target``: the Web Share Target of the web app manifest (multipart: ``title``,
  ``text``, ``url``, files ``photos``) opens the posting form with the shared photos already in
  a draft. It is the one form POST without a CSRF token (a share sheet cannot have one), and is
  safe without it: it only ever creates a draft for the member whose session it carries
  (nothing is published, nobody else sees it); the session cookie is SameSite=Lax, so a form on
  another site sends none; and a POST the browser says comes from another site
  (``Sec-Fetch-Site``) is refused. A logged-out member is sent to log in, then to share again:
  keeping the photos of somebody without an account would let anybody store files here.
"""

from __future__ import annotations

import uuid
from typing import Any, Final
from urllib.parse import urlencode

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_204_NO_CONTENT,
    HTTP_403_FORBIDDEN,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
)

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import Conflict, InvalidInput, NotFound
from marketplace.listings.rules import TITLE_MAX
from marketplace.photos.api import UPLOAD_BODY_LIMIT
from marketplace.photos.dependencies import DRAFT_DEPENDENCIES
from marketplace.photos.display import DraftPhotoView
from marketplace.photos.drafts import DraftService
from marketplace.photos.pages import FORM_BODY_LIMIT, close_all, uploaded_files
from marketplace.photos.service import MAX_PHOTOS_PER_LISTING
from marketplace.photos.serving import PHOTO_HEADERS
from marketplace.photos.storage import PhotoNotFound, PhotoStorage
from marketplace.web.forms import see_other, text
from marketplace.web.i18n import gettext as _
from marketplace.web.templating import render

DRAFT_HEADER: Final = "X-Draft-Id"
# The author's own browser only: never a shared cache, never a search engine.
DRAFT_PHOTO_HEADERS: Final = {
    **PHOTO_HEADERS,
    "Cache-Control": "private, max-age=3600",
    "X-Robots-Tag": "noindex",
}
FOREIGN_ORIGINS: Final = frozenset({"cross-site", "same-site"})
SHARED_URL_MAX: Final = 2000


def over_limit_message(names: list[str]) -> str:
    return _(
        "Une annonce a au plus %(max)s photos : %(files)s n'ont pas été ajoutées.",
        max=MAX_PHOTOS_PER_LISTING,
        files=", ".join(f"« {name} »" for name in names),
    )


def _plain(status_code: int, message: str) -> Response[str]:
    """An upload's refusal, for ``upload.js`` to show beside the file (a text, not a page)."""
    return Response(message, status_code=status_code, media_type="text/plain; charset=utf-8")


def shared_description(text_value: str, url: str) -> str:
    """What a share's ``text`` and ``url`` make of a description (the url once, at the end)."""
    url = url.strip()[:SHARED_URL_MAX]
    parts = [text_value.strip()]
    if url and url not in text_value:
        parts.append(url)
    return "\n\n".join(part for part in parts if part)


class DraftPhotoPages(Controller):
    include_in_schema = False
    dependencies = DRAFT_DEPENDENCIES

    @post("/drafts/photos", request_max_body_size=UPLOAD_BODY_LIMIT, status_code=HTTP_201_CREATED)
    async def upload(
        self, request: Request[Any, Any, Any], user: User, viewer: Viewer, drafts: DraftService
    ) -> Template | Response[str]:
        """One photo into the member's draft (``draft_id``, or a new draft when blank or gone).

        ``too_large`` instead of a file names a file the browser found over 20 MB and did not
        send: it is kept as refused, so that the form knows of it as of any other refusal."""
        form = await request.form()
        files = uploaded_files(form)
        data = form.dict()
        try:
            # A draft that is not (or no longer) the member's, as after publishing then going
            # back to the form: a new one, rather than a refusal of the photo just chosen.
            draft = await drafts.own_or_none(viewer, text(data, "draft_id")) or await drafts.start(user)
            if files:
                upload = await drafts.add(draft, files[:1])
            elif text(data, "too_large"):
                upload = await drafts.refuse_too_large(draft, text(data, "too_large"))
            else:
                raise InvalidInput("photos", _("Choisissez une photo."))
        except HTTPException as error:
            return _plain(error.status_code, str(error.detail))
        finally:
            await close_all(files)
        if upload.over_limit or not upload.entries:
            return _plain(Conflict.status_code, over_limit_message(upload.over_limit))
        template = render(
            "photos/_draft_photo.html",
            status_code=HTTP_201_CREATED,
            photo=DraftPhotoView.of(upload.entries[0]),
            published_without=[],
        )
        template.headers[DRAFT_HEADER] = str(draft.id)
        return template

    @post("/drafts/photos/{photo_id:uuid}/delete", status_code=HTTP_204_NO_CONTENT)
    async def delete(self, photo_id: uuid.UUID, user: User, viewer: Viewer, drafts: DraftService) -> None:
        await drafts.remove(viewer, photo_id)

    @get("/drafts/photos/{photo_id:uuid}/{variant:str}/{name:str}", exclude_from_csrf=True)
    async def serve(
        self,
        photo_id: uuid.UUID,
        variant: str,
        name: str,
        user: User,
        viewer: Viewer,
        drafts: DraftService,
        storage: PhotoStorage,
    ) -> Response[bytes]:
        """A draft photo's file, to its author; the 404 of a missing photo to anybody else."""
        missing = NotFound(_("Cette photo n'existe pas ou n'est pas visible."))
        try:
            photo = await drafts.entry(viewer, photo_id)
        except NotFound:
            raise missing from None
        entry = (photo.variants or {}).get(variant)
        key = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key, str) or name != key.rsplit("/", 1)[-1]:
            raise missing
        try:
            data = await anyio.to_thread.run_sync(storage.open, key)
        except PhotoNotFound:
            raise missing from None
        return Response(data, media_type="image/webp", headers=DRAFT_PHOTO_HEADERS)

    # The share sheet cannot send the form's CSRF token: see the module's docstring.
    @post("/share-target", request_max_body_size=FORM_BODY_LIMIT, exclude_from_csrf=True)
    async def share(
        self, request: Request[Any, Any, Any], viewer: Viewer, drafts: DraftService
    ) -> Redirect | Response[str]:
        """What the phone shares (title, text, url, photos) into a new draft, then the form."""
        if (request.headers.get("sec-fetch-site") or "").lower() in FOREIGN_ORIGINS:
            return _plain(HTTP_403_FORBIDDEN, _("Ce partage ne vient pas de ce site : il est refusé."))
        media_type = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        if media_type != "multipart/form-data":
            return _plain(
                HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                _("Partagez depuis votre téléphone : ce formulaire attend des photos (multipart/form-data)."),
            )
        form = await request.form()
        files = uploaded_files(form)
        data = form.dict()
        prefill = {
            "title": text(data, "title"),
            "description": shared_description(text(data, "text"), text(data, "url")),
        }
        try:
            if viewer.user is None:
                return self._log_in_first(request, prefill["title"])
            draft = await drafts.start(viewer.user, prefill=prefill)
            # Each file's verdict shows beside it in the form.
            await drafts.add(draft, files[:MAX_PHOTOS_PER_LISTING])
        finally:
            await close_all(files)
        return see_other(f"/listings/new?{urlencode({'draft': str(draft.id)})}")

    @staticmethod
    def _log_in_first(request: Request[Any, Any, Any], title: str) -> Redirect:
        # To the login page itself (a 303): this answer, outside the CSRF check, sets no token,
        # so a login form drawn here could not be sent.
        # The title no longer than a listing's (a shared page's title can be anything), so that
        # the way back stays a URL every browser takes.
        title = title[:TITLE_MAX]
        after = "/listings/new" + (f"?{urlencode({'title': title})}" if title else "")
        flash(
            request,
            _(
                "Connectez-vous pour publier ces photos, puis partagez-les à nouveau depuis votre "
                "téléphone : elles ne sont gardées que pour un membre connecté."
            ),
            category="warning",
        )
        return see_other(f"/login?{urlencode({'next': after})}")
