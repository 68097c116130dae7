"""The API's notification types (msgspec Structs, never the ORM rows)."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated

import msgspec

from marketplace.notifications.models import Delivery, NotificationKind
from marketplace.notifications.service import Shown

MAX_READ_IDS = 200


class NotificationOut(msgspec.Struct):
    id: uuid.UUID
    kind: NotificationKind
    event: str
    title: str  # in the reader's language
    lines: list[str]
    quotes: list[str]
    url: str  # the page it is about (a path of the site)
    listing_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None

    @classmethod
    def of(cls, shown: Shown) -> NotificationOut:
        row, words = shown.notification, shown.wording
        return cls(
            id=row.id,
            kind=row.kind,
            event=row.event,
            title=words.title,
            lines=words.lines,
            quotes=words.quotes,
            url=words.link,
            listing_id=row.listing_id,
            conversation_id=row.conversation_id,
            actor_id=row.actor_id,
            created_at=row.created_at,
            read_at=row.read_at,
        )


class NotificationList(msgspec.Struct):
    items: list[NotificationOut]
    total: int
    page: int
    per_page: int
    unread: int


class ReadInput(msgspec.Struct, forbid_unknown_fields=True):
    # The notices to mark read (a page of them at most); every unread one when absent.
    ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=MAX_READ_IDS)] | None = None


class ReadOut(msgspec.Struct):
    marked: int
    unread: int


class Language(enum.StrEnum):
    FR = "fr"
    EN = "en"


class PreferencesOut(msgspec.Struct):
    messages: Delivery
    reservations: Delivery
    membership: Delivery
    moderation: Delivery
    alerts: Delivery
    language: Language  # of the e-mails

    @classmethod
    def of(cls, choices: dict[NotificationKind, Delivery], language: str) -> PreferencesOut:
        return cls(
            **{kind.value: delivery for kind, delivery in choices.items()},
            language=Language(language if language in Language._value2member_map_ else "fr"),
        )


class PreferencesInput(msgspec.Struct, forbid_unknown_fields=True):
    """The kinds to change (the others keep their delivery), and the e-mails' language."""

    messages: Delivery | None = None
    reservations: Delivery | None = None
    membership: Delivery | None = None
    moderation: Delivery | None = None
    alerts: Delivery | None = None
    language: Language | None = None
