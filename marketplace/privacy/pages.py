"""The member's own pages: "Supprimer mon compte" (a password to confirm) and "Télécharger mes
données" (a ZIP: a read, so a GET, for the signed-in member only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.errors import InvalidInput
from marketplace.privacy.dependencies import PRIVACY_DEPENDENCIES
from marketplace.privacy.service import PrivacyService
from marketplace.web.forms import FormData, see_other
from marketplace.web.i18n import gettext as _
from marketplace.web.templating import render


def zip_response(content: bytes, user: User) -> Response[bytes]:
    day = user.updated_at.date().isoformat() if user.updated_at else "export"
    return Response(
        content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="mes-donnees-{day}.zip"',
            "Cache-Control": "no-store",
        },
    )


class PrivacyPages(Controller):
    tags = ["pages"]
    include_in_schema = False
    dependencies = PRIVACY_DEPENDENCIES

    @get("/account/delete", name="account-delete")
    async def delete_form(self, user: User, viewer: Viewer) -> Template:
        return render("privacy/delete.html", errors={})

    @post("/account/delete")
    async def delete(
        self,
        data: FormData,
        user: User,
        privacy: PrivacyService,
        request: Request[Any, Any, Any],
        viewer: Viewer,
    ) -> Template | Redirect:
        try:
            await privacy.delete_account(user, str(data.get("password", "")))
        except InvalidInput as error:
            return render("privacy/delete.html", status_code=400, errors=error.field_errors)
        except HTTPException as error:
            return render(
                "privacy/delete.html", status_code=error.status_code, errors={"password": error.detail}
            )
        request.set_session({})  # signed out, in a session that carries the goodbye
        flash(
            request,
            _("Votre compte a été supprimé. Merci d'avoir partagé avec vos voisins."),
            category="success",
        )
        return see_other("/")

    @get("/account/export", name="account-export")
    async def export(self, user: User, privacy: PrivacyService, viewer: Viewer) -> Response[bytes]:
        return zip_response(await privacy.export_zip(user), user)
