"""Deleting an account and exporting its data, across every domain that holds some of it.

This domain sits after all the others (tests/unit/test_architecture.py): accounts, the earliest,
may not know about listings or messages, so the whole of a deletion is here, calling each
domain's service, in one transaction:

- the listings on line (available, reserved) are withdrawn through the exchanges' status change,
  which closes their conversations with a note, and records the change for the search index
  (``indexing.changes.record_change``, by the listing service): they leave the search;
- every photo of every listing of the account is deleted (the photo service; files after the
  commit);
- memberships go (``CommunityService.leave``; a last admin is asked to name another first);
- the messages stay in the other neighbour's thread, their sender shown as "Ancien membre";
- saved searches go (the alerts service), and so do notifications, their e-mails and
  preferences, and what each ``AccountShare`` holds (favourites: the account row stays, so
  their ON DELETE CASCADE does not fire); then the account itself is emptied
  (``UserService.erase``): tokens, links, address, name, password.
"""

from __future__ import annotations

import datetime
import io
import json
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio.to_thread
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts import passwords
from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.accounts.service import UserService
from marketplace.alerts.service import AlertService
from marketplace.communities.models import Community, Membership, MembershipStatus
from marketplace.communities.service import CommunityService
from marketplace.errors import Conflict, InvalidInput
from marketplace.exchanges.models import Conversation, Message
from marketplace.exchanges.service import ExchangeService
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.service import ListingService
from marketplace.notifications.models import Notification
from marketplace.notifications.service import NotificationService
from marketplace.photos.models import Photo
from marketplace.photos.service import PhotoService
from marketplace.photos.storage import PhotoNotFound, PhotoStorage
from marketplace.web.i18n import gettext as _

ON_LINE = (ListingStatus.AVAILABLE, ListingStatus.RESERVED)
EXPORT_FORMAT = 1


@dataclass(frozen=True)
class Deletion:
    withdrawn: int  # listings taken off line
    photos: int  # photos deleted
    memberships: int  # memberships ended


def _when(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class AccountShare(Protocol):
    """A domain's share of an account that this one does not import (favourites: a domain this
    layer does not know, see tests/unit/test_architecture.py), handed in by
    ``privacy/dependencies.py``: exported under ``export_name``, forgotten with the account."""

    export_name: str

    async def export_of(self, user: User) -> list[dict[str, Any]]: ...

    async def forget(self, user_id: uuid.UUID) -> int: ...


class PrivacyService:
    def __init__(
        self, session: AsyncSession, storage: PhotoStorage, shares: Sequence[AccountShare] = ()
    ) -> None:
        self.session = session
        self.storage = storage
        self.shares = shares

    async def _listings_of(self, user: User) -> list[Listing]:
        rows = await self.session.scalars(
            select(Listing).where(Listing.author_id == user.id).order_by(Listing.created_at)
        )
        return list(rows.unique())

    # --- art. 17: erasure ----------------------------------------------------------------------

    async def delete_account(self, user: User, password: str) -> Deletion:
        """Delete ``user``'s account after checking their password (400 if wrong)."""
        if not await passwords.verify_password(user.password_hash, password):
            raise InvalidInput("password", _("Le mot de passe est incorrect."))
        communities = CommunityService(session=self.session)
        memberships = list(
            await self.session.scalars(select(Membership).where(Membership.user_id == user.id))
        )
        for membership in memberships:
            community = await self.session.get(Community, membership.community_id)
            if community is not None and membership.status in (
                MembershipStatus.ACTIVE,
                MembershipStatus.PENDING,
            ):
                try:
                    await communities.leave(community, user)
                except Conflict as error:  # the last admin: the whole deletion is rolled back
                    raise Conflict(
                        _(
                            "Vous êtes le dernier administrateur du groupe « %(name)s » : nommez "
                            "d'abord un autre administrateur, puis supprimez votre compte.",
                            name=community.name,
                        )
                    ) from error
            else:  # refused or banned: ``leave`` refuses those, only this record remains
                await communities.forget_refusal(membership)
        viewer = Viewer(user)
        listings = ListingService(session=self.session)
        exchanges = ExchangeService(self.session)
        photos = PhotoService(session=self.session, storage=self.storage)
        withdrawn = deleted_photos = 0
        for listing in await self._listings_of(user):
            if listing.status in ON_LINE:
                await exchanges.change_listing_status(listings, listing, viewer, ListingStatus.WITHDRAWN)
                withdrawn += 1
            deleted_photos += await photos.delete_for_listing(listing.id)
        await NotificationService(self.session).forget(user.id)
        for share in self.shares:
            await share.forget(user.id)
        alerts = AlertService(self.session)
        for saved in await alerts.mine(user.id):
            await alerts.delete(saved)  # their matches go with them (ON DELETE CASCADE)
        await UserService(session=self.session).erase(user)
        await self.session.flush()
        return Deletion(withdrawn=withdrawn, photos=deleted_photos, memberships=len(memberships))

    # --- art. 20: portability ------------------------------------------------------------------

    async def export_data(self, user: User) -> dict[str, Any]:
        """Everything the site keeps about ``user``, as JSON-ready data (photos listed by file)."""
        memberships = (
            await self.session.execute(
                select(Membership, Community)
                .join(Community, Community.id == Membership.community_id)
                .where(Membership.user_id == user.id)
                .order_by(Membership.created_at)
            )
        ).all()
        listings = await self._listings_of(user)
        photos = await PhotoService(session=self.session, storage=self.storage).for_listings(
            [listing.id for listing in listings]
        )
        conversations = list(
            (
                await self.session.scalars(
                    select(Conversation)
                    .where(or_(Conversation.author_id == user.id, Conversation.interested_id == user.id))
                    .order_by(Conversation.created_at)
                )
            ).unique()
        )
        messages: dict[uuid.UUID, list[Message]] = {conversation.id: [] for conversation in conversations}
        if messages:
            rows = await self.session.scalars(
                select(Message)
                .where(Message.conversation_id.in_(list(messages)))
                .order_by(Message.created_at, Message.id)
            )
            for message in rows.unique():
                messages[message.conversation_id].append(message)
        notifications = await self.session.scalars(
            select(Notification).where(Notification.recipient_id == user.id).order_by(Notification.created_at)
        )
        return {
            "format": EXPORT_FORMAT,
            "exported_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "profile": {
                "id": str(user.id),
                "email": user.email,
                "display_name": user.display_name,
                "language": user.language,
                "created_at": _when(user.created_at),
                "email_verified_at": _when(user.email_verified_at),
                "password_changed_at": _when(user.password_changed_at),
            },
            "memberships": [
                {
                    "community": community.slug,
                    "community_name": community.name,
                    "role": membership.role.value,
                    "status": membership.status.value,
                    "answer": membership.answer,
                    "since": _when(membership.created_at),
                    "decided_at": _when(membership.decided_at),
                }
                for membership, community in memberships
            ],
            "listings": [
                {
                    "id": str(listing.id),
                    "community": listing.community.slug,
                    "category": listing.category.name,
                    "kind": listing.kind.value,
                    "status": listing.status.value,
                    "title": listing.title,
                    "description": listing.description,
                    "price_cents": listing.price_cents,
                    "wanted_in_exchange": listing.wanted_in_exchange,
                    "condition": listing.condition,
                    "attributes": listing.attributes,
                    "pickup_area": listing.pickup_area,
                    "created_at": _when(listing.created_at),
                    "published_at": _when(listing.published_at),
                    "photos": [_photo_file(listing.id, photo) for photo in photos.get(listing.id, [])],
                }
                for listing in listings
            ],
            "conversations": [
                {
                    "listing_id": str(conversation.listing_id),
                    "listing_title": conversation.listing.title,
                    "with": conversation.other(user.id).display_name,
                    "role": "author" if conversation.author_id == user.id else "interested",
                    "messages": [
                        {
                            "from_me": message.sender_id == user.id,
                            "sent_at": _when(message.created_at),
                            "body": message.body,
                        }
                        for message in messages[conversation.id]
                    ],
                }
                for conversation in conversations
            ],
            "saved_searches": await self._saved_searches(user),
            **{share.export_name: await share.export_of(user) for share in self.shares},
            "notifications": [
                {
                    "event": notice.event,
                    "kind": notice.kind.value,
                    "created_at": _when(notice.created_at),
                    "read_at": _when(notice.read_at),
                    "data": notice.data,
                }
                for notice in notifications
            ],
        }

    async def _saved_searches(self, user: User) -> list[dict[str, Any]]:
        return [
            {
                "name": saved.name,
                "criteria": saved.criteria,
                "frequency": saved.frequency.value,
                "digest_hour": saved.digest_hour,
                "created_at": _when(saved.created_at),
            }
            for saved in await AlertService(self.session).mine(user.id)
        ]

    async def export_zip(self, user: User) -> bytes:
        """The ZIP of ``export_data``: ``donnees.json`` and the photos under ``photos/``."""
        data = await self.export_data(user)
        files = [(photo["file"], photo["key"]) for listing in data["listings"] for photo in listing["photos"]]
        return await anyio.to_thread.run_sync(_zip, data, files, self.storage)


def _photo_file(listing_id: uuid.UUID, photo: Photo) -> dict[str, Any]:
    variant: dict[str, Any] = photo.variants.get("large") or next(iter(photo.variants.values()), {})
    key = str(variant.get("key", ""))
    return {
        "file": f"photos/{listing_id}/{photo.position + 1:02d}-{photo.id}.webp",
        "key": key,
        "alt_text": photo.alt_text,
        "width": variant.get("width"),
        "height": variant.get("height"),
    }


def _zip(data: dict[str, Any], files: list[tuple[str, str]], storage: PhotoStorage) -> bytes:
    """Run in a worker thread: reading photo files and compressing block."""
    for listing in data["listings"]:
        for photo in listing["photos"]:
            photo.pop("key", None)  # a storage detail, not the member's data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        for name, key in files:
            if not key:
                continue
            try:
                content = storage.open(key)
            except (PhotoNotFound, OSError):
                continue  # a file gone missing: the JSON still lists the photo
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), content, zipfile.ZIP_STORED
            )
    return buffer.getvalue()
