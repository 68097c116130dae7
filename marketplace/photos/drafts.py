"""The photos of a posting form before its listing exists: uploaded as soon as they are chosen,
kept when the form comes back with an error, published with the listing.

- A draft belongs to its author alone: every read goes through ``own``, which answers the 404
  of a draft that does not exist to anybody else. It is never listed, never indexed, and its
  files are served to its author only (``draft_pages.py``).
- A member keeps at most ``MAX_DRAFTS_PER_MEMBER`` drafts: starting one more lets the oldest go
  (an abandoned tab, most likely). Drafts untouched for ``DRAFT_LIFETIME`` are removed by the
  worker (``scheduled.py``), and whenever their author starts a new one.
- A draft holds at most ``MAX_PHOTOS_PER_LISTING`` files, refused ones included: a refused file
  stays, with its reason, until its author removes it or publishes without it knowingly.
- Its writes commit at once, in a session of their own (``_own_transaction``): the form that
  carries the photos may still be refused, and a refused form's transaction is rolled back
  (``db/config.py``); the photos received must outlive that refusal. Publishing, on the
  contrary, happens in the request's transaction, with the listing (``publish_into``).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.guards import ensure_verified
from marketplace.accounts.models import User
from marketplace.errors import NotFound
from marketplace.listings.models import Listing
from marketplace.photos.models import DraftPhoto, Photo, PhotoDraft
from marketplace.photos.service import (
    MAX_PHOTOS_PER_LISTING,
    PhotoService,
    PhotoSource,
    PreparedPhoto,
    keys_in,
)
from marketplace.photos.storage import PhotoStorage
from marketplace.web.i18n import gettext as _

MAX_DRAFTS_PER_MEMBER: Final = 5
DRAFT_LIFETIME: Final = datetime.timedelta(days=7)
PREFILL_TITLE_MAX: Final = 120
PREFILL_TEXT_MAX: Final = 4000
FILENAME_MAX: Final = 255


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass
class DraftUpload:
    """What became of the files sent to a draft at once."""

    entries: list[DraftPhoto] = field(default_factory=list)
    """The new entries, accepted or refused, in the files' order."""
    over_limit: list[str] = field(default_factory=list)
    """Names of the files beyond the draft's 10."""


class DraftService:
    """Every write on photo drafts (and the reads their author makes of them)."""

    def __init__(self, session: AsyncSession, *, storage: PhotoStorage) -> None:
        self.session = session
        self.storage = storage

    @asynccontextmanager
    async def _own_transaction(self) -> AsyncIterator[AsyncSession]:
        # Objects stay readable after the commit (expire_on_commit=False): the page shows them.
        async with AsyncSession(self.session.bind, expire_on_commit=False) as session:
            yield session
            await session.commit()

    # --- reads ----------------------------------------------------------------------------------

    async def own(self, viewer: Viewer, draft_id: uuid.UUID | str | None) -> PhotoDraft:
        """The viewer's draft ``draft_id``; 404 for any other (another's, gone, malformed)."""
        missing = NotFound(_("Ces photos ne sont plus là : choisissez-les à nouveau."))
        try:
            wanted = draft_id if isinstance(draft_id, uuid.UUID) else uuid.UUID(str(draft_id))
        except ValueError:
            raise missing from None
        draft = await self.session.get(PhotoDraft, wanted, populate_existing=True)
        if draft is None or viewer.user_id is None or draft.author_id != viewer.user_id:
            raise missing
        return draft

    async def own_or_none(self, viewer: Viewer, draft_id: str | None) -> PhotoDraft | None:
        """The viewer's draft when ``draft_id`` names one, else None (a form without photos)."""
        if not draft_id:
            return None
        try:
            return await self.own(viewer, draft_id)
        except NotFound:
            return None

    async def photos_of(self, draft: PhotoDraft) -> list[DraftPhoto]:
        rows = await self.session.scalars(
            select(DraftPhoto)
            .where(DraftPhoto.draft_id == draft.id)
            .order_by(DraftPhoto.position, DraftPhoto.id)
            .execution_options(populate_existing=True)
        )
        return list(rows)

    async def entry(self, viewer: Viewer, photo_id: uuid.UUID) -> DraftPhoto:
        """One photo of one of the viewer's drafts; 404 for anybody else's."""
        photo = await self.session.get(DraftPhoto, photo_id)
        if photo is None:
            raise NotFound(_("Cette photo n'existe pas."))
        try:
            await self.own(viewer, photo.draft_id)
        except NotFound:
            raise NotFound(_("Cette photo n'existe pas.")) from None
        return photo

    # --- writes that outlive the request --------------------------------------------------------

    async def start(
        self, user: User, *, prefill: dict[str, str] | None = None, now: datetime.datetime | None = None
    ) -> PhotoDraft:
        """A new draft for ``user`` (address confirmed): their expired drafts go, and beyond
        ``MAX_DRAFTS_PER_MEMBER`` their oldest."""
        ensure_verified(user)
        now = now or now_utc()
        async with self._own_transaction() as session:
            drafts = list(
                await session.scalars(
                    select(PhotoDraft)
                    .where(PhotoDraft.author_id == user.id)
                    .order_by(PhotoDraft.touched_at.desc(), PhotoDraft.id.desc())
                )
            )
            fresh = [draft for draft in drafts if draft.touched_at > now - DRAFT_LIFETIME]
            keep = fresh[: MAX_DRAFTS_PER_MEMBER - 1]
            await self._drop(session, [draft.id for draft in drafts if draft not in keep])
            draft = PhotoDraft(author_id=user.id, prefill=_clean_prefill(prefill or {}), touched_at=now)
            session.add(draft)
        return draft

    async def add(self, draft: PhotoDraft, sources: Sequence[PhotoSource]) -> DraftUpload:
        """Process the files and keep each in the draft: accepted (its variants stored) or refused
        (with its reason). Files beyond the draft's 10 are not read."""
        upload = DraftUpload()
        if not sources:
            return upload
        photos = PhotoService(session=self.session, storage=self.storage)
        room = max(0, MAX_PHOTOS_PER_LISTING - await self._count(self.session, draft.id))
        taken, upload.over_limit = list(sources[:room]), [source.filename for source in sources[room:]]
        results = await photos.prepare_many(taken)
        async with self._own_transaction() as session:
            last = await session.scalar(
                select(func.max(DraftPhoto.position)).where(DraftPhoto.draft_id == draft.id)
            )
            position = -1 if last is None else last
            for source, result in zip(taken, results, strict=True):
                position += 1
                entry = DraftPhoto(
                    draft_id=draft.id, position=position, filename=_clean_filename(source.filename)
                )
                if isinstance(result, PreparedPhoto):
                    _fill(entry, result)
                else:
                    entry.refusal = str(result.detail)
                session.add(entry)
                upload.entries.append(entry)
            await self._touch(session, draft.id)
        return upload

    async def refuse_too_large(self, draft: PhotoDraft, filename: str) -> DraftUpload:
        """Keep, as refused, a file the browser did not send because it is over 20 MB."""
        upload = DraftUpload()
        if await self._count(self.session, draft.id) >= MAX_PHOTOS_PER_LISTING:
            upload.over_limit.append(_clean_filename(filename))
            return upload
        reason = _("Fichier trop volumineux : 20 Mo au maximum.")  # the pipeline's own words
        async with self._own_transaction() as session:
            last = await session.scalar(
                select(func.max(DraftPhoto.position)).where(DraftPhoto.draft_id == draft.id)
            )
            entry = DraftPhoto(
                draft_id=draft.id,
                position=0 if last is None else last + 1,
                filename=_clean_filename(filename),
                refusal=reason,
            )
            session.add(entry)
            await self._touch(session, draft.id)
        upload.entries.append(entry)
        return upload

    async def remove(self, viewer: Viewer, photo_id: uuid.UUID) -> PhotoDraft:
        """Remove one photo from the viewer's draft (its files go once no row needs them)."""
        photo = await self.entry(viewer, photo_id)
        draft_id = photo.draft_id
        keys = keys_in(photo.variants)
        async with self._own_transaction() as session:
            await session.execute(delete(DraftPhoto).where(DraftPhoto.id == photo_id))
            await self._touch(session, draft_id)
            await PhotoService(session=session, storage=self.storage).release_files(keys)
        return await self.own(viewer, draft_id)

    async def expired_count(self, now: datetime.datetime) -> int:
        """How many drafts ``expire`` would remove now."""
        total = await self.session.scalar(
            select(func.count(PhotoDraft.id)).where(PhotoDraft.touched_at <= now - DRAFT_LIFETIME)
        )
        return int(total or 0)

    async def expire(self, now: datetime.datetime) -> int:
        """Remove every draft untouched for ``DRAFT_LIFETIME`` (the worker's job); how many.

        Runs in the session it is given (the worker's transaction)."""
        stale = list(
            await self.session.scalars(
                select(PhotoDraft.id).where(PhotoDraft.touched_at <= now - DRAFT_LIFETIME)
            )
        )
        await self._drop(self.session, stale)
        return len(stale)

    # --- the account's share (privacy: export and erasure) ------------------------------------------

    export_name = "brouillons_de_photos"

    async def export_of(self, user: User) -> list[dict[str, Any]]:
        """The member's drafts as their export shows them (the files are not in it: drafts last
        a week, and their accepted photos are those of the listing they become)."""
        drafts = list(
            await self.session.scalars(
                select(PhotoDraft).where(PhotoDraft.author_id == user.id).order_by(PhotoDraft.created_at)
            )
        )
        return [
            {
                "id": str(draft.id),
                "created_at": draft.created_at.isoformat(),
                "shared": dict(draft.prefill or {}),
                "photos": [
                    {"file": photo.filename, "refused": photo.refusal or None}
                    for photo in await self.photos_of(draft)
                ],
            }
            for draft in drafts
        ]

    async def forget(self, user_id: uuid.UUID) -> int:
        """Delete every draft of ``user_id`` (their account goes), in the caller's transaction."""
        ids = list(await self.session.scalars(select(PhotoDraft.id).where(PhotoDraft.author_id == user_id)))
        await self._drop(self.session, ids)
        return len(ids)

    # --- publishing (in the request's transaction) -------------------------------------------------

    def refused(
        self, entries: Sequence[DraftPhoto], published_without: Sequence[str] = ()
    ) -> list[DraftPhoto]:
        """The refused photos that still stop the publication: those the author has not chosen
        to publish without (``published_without``: ids of the "Publier sans cette photo" boxes)."""
        return [entry for entry in entries if entry.refused and str(entry.id) not in set(published_without)]

    async def publish_into(self, draft: PhotoDraft, listing: Listing, viewer: Viewer) -> list[Photo]:
        """The draft's accepted photos become the listing's, and the draft is gone (its refused
        files with it), in the caller's transaction: with the listing, or not at all."""
        entries = await self.photos_of(draft)
        added = await PhotoService(session=self.session, storage=self.storage).adopt(listing, viewer, entries)
        await self.session.execute(delete(DraftPhoto).where(DraftPhoto.draft_id == draft.id))
        await self.session.execute(delete(PhotoDraft).where(PhotoDraft.id == draft.id))
        return added

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    async def _count(session: AsyncSession, draft_id: uuid.UUID) -> int:
        total = await session.scalar(select(func.count(DraftPhoto.id)).where(DraftPhoto.draft_id == draft_id))
        return int(total or 0)

    @staticmethod
    async def _touch(session: AsyncSession, draft_id: uuid.UUID) -> None:
        draft = await session.get(PhotoDraft, draft_id)
        if draft is not None:
            draft.touched_at = now_utc()

    async def _drop(self, session: AsyncSession, draft_ids: Sequence[uuid.UUID]) -> None:
        """Delete these drafts and their photos; files no row uses any more go after the commit."""
        if not draft_ids:
            return
        keys: set[str] = set()
        for variants in await session.scalars(
            select(DraftPhoto.variants).where(DraftPhoto.draft_id.in_(draft_ids))
        ):
            keys |= keys_in(variants)
        await session.execute(delete(DraftPhoto).where(DraftPhoto.draft_id.in_(draft_ids)))
        await session.execute(delete(PhotoDraft).where(PhotoDraft.id.in_(draft_ids)))
        await PhotoService(session=session, storage=self.storage).release_files(keys)


def _fill(entry: DraftPhoto, prepared: PreparedPhoto) -> None:
    entry.content_hash = prepared.processed.variants["large"].content_hash
    entry.byte_size = prepared.byte_size
    entry.width = prepared.processed.width
    entry.height = prepared.processed.height
    entry.placeholder_color = prepared.processed.placeholder_color
    entry.variants = prepared.variants


def _clean_filename(name: str) -> str:
    # Only the last part of a path a browser may send ("C:\\fakepath\\IMG.jpg"), printable.
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(char for char in base if char.isprintable()).strip()
    return cleaned[:FILENAME_MAX] or _("photo")


def _clean_prefill(prefill: dict[str, Any]) -> dict[str, str]:
    title = " ".join(str(prefill.get("title") or "").replace("\x00", "").split())[:PREFILL_TITLE_MAX]
    text = str(prefill.get("description") or "").replace("\x00", "").strip()[:PREFILL_TEXT_MAX]
    return {key: value for key, value in (("title", title), ("description", text)) if value}
