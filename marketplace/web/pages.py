"""Site-wide pages: language choice, health and readiness probes (the home page: ``home``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.web.forms import FormData, safe_next, see_other, text
from marketplace.web.i18n import LANGUAGE_COOKIE, LANGUAGES


class SitePages(Controller):
    include_in_schema = False

    @post("/language")
    async def choose_language(self, data: FormData, request: Request[Any, Any, Any]) -> Response[Any]:
        language = text(data, "language")
        response = see_other(safe_next(text(data, "next")))
        if language in LANGUAGES:
            secure = request.app.state.settings.security.secure_cookies
            response.cookies.append(
                Cookie(
                    key=LANGUAGE_COOKIE,
                    value=language,
                    max_age=365 * 24 * 3600,
                    samesite="lax",
                    secure=secure,
                )
            )
        return response


class Probes(Controller):
    tags = ["operations"]

    @get("/health", operation_id="health", media_type=MediaType.JSON, sync_to_thread=False)
    def health(self) -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @get("/ready", operation_id="ready", media_type=MediaType.JSON)
    async def ready(self, db_session: AsyncSession) -> Response[dict[str, str]]:
        """The database answers too."""
        try:
            await db_session.execute(sql("SELECT 1"))
        except Exception:  # any failure means "not ready", never a 500
            return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return Response({"status": "ok", "database": "ok"})
