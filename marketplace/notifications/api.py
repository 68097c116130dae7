"""JSON API of notifications: the reader's list, marking it read, the choice per kind."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.status_codes import HTTP_200_OK

from marketplace.accounts.models import User
from marketplace.notifications.dependencies import NOTIFICATION_DEPENDENCIES
from marketplace.notifications.models import NotificationKind
from marketplace.notifications.schemas import (
    NotificationList,
    NotificationOut,
    PreferencesInput,
    PreferencesOut,
    ReadInput,
    ReadOut,
)
from marketplace.notifications.service import NotificationService
from marketplace.web.openapi import errors
from marketplace.web.pagination import DEFAULT_PER_PAGE, clamp


class NotificationApi(Controller):
    path = "/api/v1/notifications"
    tags = ("notifications",)
    dependencies = NOTIFICATION_DEPENDENCIES

    @get("/", operation_id="listNotifications", responses=errors(400, 401))
    async def list_notifications(
        self, user: User, notifications: NotificationService, page: int = 1, per_page: int = DEFAULT_PER_PAGE
    ) -> NotificationList:
        """My notifications, the newest first, in my language, with the unread count."""
        page, per_page = clamp(page, per_page)
        shown, total = await notifications.page_of(user.id, page, per_page)
        return NotificationList(
            items=[NotificationOut.of(item) for item in shown],
            total=total,
            page=page,
            per_page=per_page,
            unread=await notifications.unread_count(user.id),
        )

    @post("/read", operation_id="markNotificationsRead", responses=errors(400, 401), status_code=HTTP_200_OK)
    async def read(self, data: ReadInput, user: User, notifications: NotificationService) -> ReadOut:
        """Mark the notifications ``ids`` read (all of mine when ``ids`` is absent); ids that are not
        mine are ignored."""
        marked = await notifications.mark_read(user.id, data.ids)
        return ReadOut(marked=marked, unread=await notifications.unread_count(user.id))

    @get("/preferences", operation_id="getNotificationPreferences", responses=errors(401))
    async def preferences(self, user: User, notifications: NotificationService) -> PreferencesOut:
        """How I am told of each kind (``email``, ``in_app`` or ``off``), and my e-mails' language."""
        return PreferencesOut.of(await notifications.preferences(user.id), user.language)

    @put("/preferences", operation_id="setNotificationPreferences", responses=errors(400, 401))
    async def set_preferences(
        self, data: PreferencesInput, user: User, notifications: NotificationService
    ) -> PreferencesOut:
        """Change how I am told of some kinds (the others stay as they are), or my e-mails' language."""
        choices = {
            kind: delivery for kind in NotificationKind if (delivery := getattr(data, kind.value)) is not None
        }
        await notifications.choose(user.id, choices)
        if data.language is not None:
            await notifications.set_language(user, data.language.value)
        return PreferencesOut.of(await notifications.preferences(user.id), user.language)
