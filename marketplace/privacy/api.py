"""JSON API of the privacy rights under /api/v1/account: deletion (art. 17), export (art. 20)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.status_codes import HTTP_200_OK

from marketplace.accounts.auth import end_session
from marketplace.accounts.models import User
from marketplace.privacy.dependencies import PRIVACY_DEPENDENCIES
from marketplace.privacy.pages import zip_response
from marketplace.privacy.schemas import DeletionInput, DeletionOut
from marketplace.privacy.service import PrivacyService
from marketplace.web.openapi import errors


class PrivacyApi(Controller):
    path = "/api/v1/account"
    tags = ["accounts"]
    dependencies = PRIVACY_DEPENDENCIES

    @post(
        "/deletion",
        operation_id="deleteAccount",
        responses=errors(400, 401, 403, 409),
        status_code=HTTP_200_OK,
    )
    async def delete_account(
        self, data: DeletionInput, user: User, privacy: PrivacyService, request: Request[Any, Any, Any]
    ) -> DeletionOut:
        """Delete the account after its password: listings withdrawn, photos deleted, memberships
        and tokens gone; the messages stay with the other neighbours, from "Ancien membre"."""
        done = await privacy.delete_account(user, data.password)
        if "session" in request.scope and request.session:
            end_session(request)
        return DeletionOut(withdrawn=done.withdrawn, photos=done.photos, memberships=done.memberships)

    @get(
        "/export",
        operation_id="exportAccount",
        responses=errors(400, 401),
        media_type="application/zip",
    )
    async def export(self, user: User, privacy: PrivacyService) -> Response[bytes]:
        """A ZIP: ``donnees.json`` (profile, memberships, listings, conversations, saved searches,
        notifications) and the photos of the listings under ``photos/``."""
        return zip_response(await privacy.export_zip(user), user)
