"""Every write on listing photos: add, reorder, choose the cover, alt text, delete.

Order of work, so that the database never points at a file that is not there:

- adding: the pipeline runs off the event loop (``process_async``), the variant files are
  written in a worker thread, and only then is the ``Photo`` row created;
- deleting: the row goes first; the files no longer referenced by any row are removed once the
  transaction has committed (a rollback keeps them). A crash in between leaves orphan files,
  which ``marketplace media gc`` collects; the reverse order could leave rows without files.

Files are content-addressed, so two photos (of two listings, say) may share files: a file is
removed only when no row refers to it anymore.

Callers hand in listings they read through the visibility rule (``ListingService.visible``);
this service then decides who may change what: the author changes the photos of a listing
they may still edit, the author and the community's moderators may delete one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, Protocol

import anyio
import anyio.to_thread
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from litestar.exceptions import HTTPException, NotAuthorizedException
from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.communities.service import CommunityService
from marketplace.db.side_effects import after_commit
from marketplace.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketplace.listings import status as life_cycle
from marketplace.listings.models import Listing
from marketplace.listings.service import ListingService
from marketplace.listings.status import Actor
from marketplace.photos.models import DraftPhoto, Photo
from marketplace.photos.pipeline import (
    MAX_UPLOAD_BYTES,
    SNIFF_BYTES,
    PhotoRejected,
    ProcessedPhoto,
    process_async,
)
from marketplace.photos.storage import PhotoStorage
from marketplace.web.i18n import gettext as _

logger = logging.getLogger(__name__)

MAX_PHOTOS_PER_LISTING: Final = 10
ALT_TEXT_MAX: Final = 200
# Photos of one multi-file upload prepared at once: the pipeline's own limiter bounds the
# decoding process-wide; this bounds how many uploads one request holds in memory.
_PREPARED_AT_ONCE: Final = 2


class UnacceptablePhoto(HTTPException):
    """The pipeline refused the upload: 413, 415 or 422 with a message in the reader's language."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(status_code=status_code, detail=message)


class PhotoSource(Protocol):
    """An uploaded file (Litestar's ``UploadFile`` is one)."""

    filename: str

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class PreparedPhoto:
    """A processed upload whose variant files are stored; it still has no row."""

    processed: ProcessedPhoto

    @property
    def variants(self) -> dict[str, dict[str, Any]]:
        return {
            name: {
                "key": variant.key,
                "width": variant.width,
                "height": variant.height,
                "bytes": len(variant.data),
            }
            for name, variant in self.processed.variants.items()
        }

    @property
    def byte_size(self) -> int:
        """Bytes the photo occupies in the store (variants that share a file count once)."""
        return sum({variant.key: len(variant.data) for variant in self.processed.variants.values()}.values())


@dataclass
class UploadReport:
    """What became of each file of a multi-file upload (the posting form, the gallery's add form)."""

    added: list[Photo] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(file name, why) for each file the pipeline refused."""
    over_limit: list[str] = field(default_factory=list)
    """Files beyond the 10 photos a listing may have."""


def keys_in(variants: dict[str, Any] | None) -> set[str]:
    """The storage keys named by a photo's ``variants`` column."""
    return {
        str(entry["key"])
        for entry in (variants or {}).values()
        if isinstance(entry, dict) and isinstance(entry.get("key"), str)
    }


def keys_of(photo: Photo) -> set[str]:
    return keys_in(photo.variants)


class PhotoService(SQLAlchemyAsyncRepositoryService[Photo]):
    class Repo(SQLAlchemyAsyncRepository[Photo]):
        model_type = Photo

    repository_type = Repo

    def __init__(self, session: AsyncSession, *, storage: PhotoStorage, **kwargs: Any) -> None:
        super().__init__(session=session, **kwargs)
        self.storage = storage

    @property
    def session(self) -> AsyncSession:
        return self.repository.session  # type: ignore[return-value]

    # --- reads ---------------------------------------------------------------------------------

    async def for_listing(self, listing_id: uuid.UUID) -> list[Photo]:
        """The listing's photos, cover first."""
        rows = await self.session.scalars(
            select(Photo).where(Photo.listing_id == listing_id).order_by(Photo.position, Photo.id)
        )
        return list(rows)

    async def for_listings(self, listing_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Photo]]:
        """The photos of several listings (cover first), in one query; listings without any are absent."""
        ids = list(dict.fromkeys(listing_ids))
        if not ids:
            return {}
        by_listing: dict[uuid.UUID, list[Photo]] = {}
        rows = await self.session.scalars(
            select(Photo)
            .where(Photo.listing_id.in_(ids))
            .order_by(Photo.listing_id, Photo.position, Photo.id)
        )
        for photo in rows:
            by_listing.setdefault(photo.listing_id, []).append(photo)
        return by_listing

    async def cover_for(self, listing_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Photo]:
        """The cover (first photo) of each listing that has one, in one query, for the cards.

        The caller has read these listings through the visibility rule."""
        return await covers_of(self.session, listing_ids)

    async def count_for(self, listing_id: uuid.UUID) -> int:
        total = await self.session.scalar(select(func.count(Photo.id)).where(Photo.listing_id == listing_id))
        return int(total or 0)

    async def of_listing(self, listing: Listing, photo_id: uuid.UUID) -> Photo:
        """One photo of ``listing``; 404 when it belongs to no listing, or to another."""
        photo = await self.session.get(Photo, photo_id)
        if photo is None or photo.listing_id != listing.id:
            raise NotFound(_("Cette photo n'existe pas."))
        return photo

    async def listing_id_of(self, photo_id: uuid.UUID) -> uuid.UUID:
        """The listing a photo belongs to (the caller then reads it through the visibility rule)."""
        listing_id = await self.session.scalar(select(Photo.listing_id).where(Photo.id == photo_id))
        if listing_id is None:
            raise NotFound(_("Cette photo n'existe pas."))
        return listing_id

    # --- who may change what -------------------------------------------------------------------

    async def require_author(self, listing: Listing, viewer: Viewer) -> None:
        """Only the author changes a listing's photos, while the listing can still be edited,
        and while they are still a member of its community."""
        if viewer.user is None:
            raise NotAuthorizedException(detail=_("Connectez-vous pour continuer."))
        if listing.author_id != viewer.user_id:
            raise Forbidden(_("Seul l'auteur de l'annonce peut modifier ses photos."))
        if listing.status not in life_cycle.EDITABLE:
            raise Conflict(
                _("Les photos d'une annonce terminée ou supprimée ne peuvent plus être modifiées.")
            )
        await CommunityService(session=self.session).require_member(listing.community, viewer.user)

    async def _require_may_delete(self, listing: Listing, viewer: Viewer) -> None:
        """The author deletes their photos whatever the status; moderators delete any photo."""
        if viewer.user is None:
            raise NotAuthorizedException(detail=_("Connectez-vous pour continuer."))
        actors = await ListingService(session=self.session).actors(viewer, listing)
        if not actors & {Actor.AUTHOR, Actor.MODERATOR}:
            raise Forbidden(
                _("Seuls l'auteur de l'annonce et les modérateurs du groupe peuvent supprimer ses photos.")
            )

    async def _require_room(self, listing: Listing, wanted: int = 1) -> int:
        """How many photos ``listing`` may still take; 409 when it cannot take ``wanted`` more."""
        room = MAX_PHOTOS_PER_LISTING - await self.count_for(listing.id)
        if room < wanted:
            raise Conflict(
                _(
                    "Une annonce a au plus %(max)s photos : supprimez-en une d'abord.",
                    max=MAX_PHOTOS_PER_LISTING,
                )
            )
        return room

    # --- adding --------------------------------------------------------------------------------

    async def add(self, listing: Listing, viewer: Viewer, data: bytes, *, alt_text: str = "") -> Photo:
        """Add one photo at the end of the listing's gallery (the API's upload).

        ``alt_text`` empty means "the listing's title". 409 beyond 10 photos; 413, 415 or 422
        (``UnacceptablePhoto``) for an upload the pipeline refuses."""
        await self.require_author(listing, viewer)
        alt_text = _clean_alt_text(alt_text)
        await self._require_room(listing)
        prepared = await self.prepare(data)
        return await self._attach(listing, prepared, alt_text)

    async def add_many(
        self, listing: Listing, viewer: Viewer, sources: Sequence[PhotoSource]
    ) -> UploadReport:
        """Add several uploaded files in their order; a refused file does not stop the others.

        Rows are created in the files' order once all are prepared (``prepare_many``)."""
        await self.require_author(listing, viewer)
        report = UploadReport()
        room = max(0, MAX_PHOTOS_PER_LISTING - await self.count_for(listing.id))
        accepted, report.over_limit = list(sources[:room]), [source.filename for source in sources[room:]]
        for source, result in zip(accepted, await self.prepare_many(accepted), strict=True):
            if isinstance(result, PreparedPhoto):
                report.added.append(await self._attach(listing, result, ""))
            else:
                report.refused.append((source.filename, str(result.detail)))
        return report

    async def prepare_many(self, sources: Sequence[PhotoSource]) -> list[PreparedPhoto | UnacceptablePhoto]:
        """Each file prepared (or refused), in their order: two at a time, each read only when its
        turn comes (at most 20 MB read from it)."""
        results: list[PreparedPhoto | UnacceptablePhoto | None] = [None] * len(sources)
        limiter = anyio.CapacityLimiter(_PREPARED_AT_ONCE)

        async def prepare_one(index: int, source: PhotoSource) -> None:
            async with limiter:
                data = await _read_capped(source)
                try:
                    results[index] = await self.prepare(data)
                except UnacceptablePhoto as refusal:
                    results[index] = UnacceptablePhoto(refusal.status_code, refusal_reason(refusal, data))

        async with anyio.create_task_group() as group:
            for index, source in enumerate(sources):
                group.start_soon(prepare_one, index, source)
        return [result for result in results if result is not None]

    async def prepare(self, data: bytes) -> PreparedPhoto:
        """Run the pipeline off the event loop, then write the variant files in a worker thread."""
        try:
            processed = await process_async(data)
        except PhotoRejected as refusal:
            raise UnacceptablePhoto(refusal.status, _(refusal.message)) from refusal
        await anyio.to_thread.run_sync(self._store_variants, processed)
        return PreparedPhoto(processed)

    def _store_variants(self, processed: ProcessedPhoto) -> None:
        # Written even when the key exists: the save refreshes the file's age, so that the orphan
        # collector cannot take a file (left by a deleted photo) that this upload is about to use.
        for key, data in {variant.key: variant.data for variant in processed.variants.values()}.items():
            self.storage.save(key, data)

    async def _attach(self, listing: Listing, prepared: PreparedPhoto, alt_text: str) -> Photo:
        """The row, now that its files exist: at the end of the gallery, room checked again."""
        # PostgreSQL: two uploads to one listing queue here, so both cannot take the last place.
        # (SQLite has one writer at a time anyway and ignores FOR UPDATE.)
        await self.session.execute(select(Listing.id).where(Listing.id == listing.id).with_for_update())
        return await self._append(
            listing,
            content_hash=prepared.processed.variants["large"].content_hash,
            byte_size=prepared.byte_size,
            width=prepared.processed.width,
            height=prepared.processed.height,
            placeholder_color=prepared.processed.placeholder_color,
            alt_text=alt_text,
            variants=prepared.variants,
        )

    async def _append(self, listing: Listing, **fields: Any) -> Photo:
        """A photo row at the end of the listing's gallery, once room is checked again."""
        await self._require_room(listing)
        last = await self.session.scalar(
            select(func.max(Photo.position)).where(Photo.listing_id == listing.id)
        )
        photo = Photo(listing_id=listing.id, position=0 if last is None else last + 1, **fields)
        self.session.add(photo)
        await self.session.flush()
        if photo.position == 0:
            self._record_change(listing)  # the listing's first photo: its new cover
        return photo

    async def adopt(self, listing: Listing, viewer: Viewer, entries: Sequence[DraftPhoto]) -> list[Photo]:
        """The accepted photos of a draft become the listing's, in their order: their files are
        stored already, so nothing is processed again (``photos/drafts.py`` then drops the draft)."""
        await self.require_author(listing, viewer)
        added = []
        for entry in entries:
            if entry.refused:
                continue
            photo = await self._append(
                listing,
                content_hash=entry.content_hash,
                byte_size=entry.byte_size,
                width=entry.width,
                height=entry.height,
                placeholder_color=entry.placeholder_color,
                alt_text="",
                variants=dict(entry.variants),
            )
            added.append(photo)
        return added

    def _record_change(self, listing: Listing) -> None:
        """The listing's photos changed as readers see them (its cover, its gallery)."""
        ListingService(session=self.session).record_change(listing)

    # --- order, cover, alt text ------------------------------------------------------------------

    async def reorder(self, listing: Listing, viewer: Viewer, ids: Sequence[uuid.UUID]) -> list[Photo]:
        """Put the photos in the order of ``ids``, which must name each of them exactly once."""
        await self.require_author(listing, viewer)
        photos = await self.for_listing(listing.id)
        by_id = {photo.id: photo for photo in photos}
        if len(ids) != len(set(ids)) or set(ids) != set(by_id):
            raise InvalidInput(
                "ids", _("Donnez chacune des photos de l'annonce une fois, dans l'ordre voulu.")
            )
        return await self._renumber([by_id[photo_id] for photo_id in ids], listing=listing)

    async def set_cover(self, listing: Listing, viewer: Viewer, photo_id: uuid.UUID) -> list[Photo]:
        """The photo becomes the first one (the cover); the others keep their order."""
        await self.require_author(listing, viewer)
        photo = await self.of_listing(listing, photo_id)
        others = [item for item in await self.for_listing(listing.id) if item.id != photo.id]
        return await self._renumber([photo, *others], listing=listing)

    async def move(self, listing: Listing, viewer: Viewer, photo_id: uuid.UUID, offset: int) -> list[Photo]:
        """Move a photo one place earlier (-1) or later (+1); at either end nothing changes."""
        await self.require_author(listing, viewer)
        photo = await self.of_listing(listing, photo_id)
        photos = await self.for_listing(listing.id)
        index = photos.index(photo)
        target = index + (1 if offset > 0 else -1)
        if 0 <= target < len(photos):
            photos[index], photos[target] = photos[target], photos[index]
        return await self._renumber(photos, listing=listing)

    async def set_alt_text(
        self, listing: Listing, viewer: Viewer, photo_id: uuid.UUID, alt_text: str
    ) -> Photo:
        """The author's description of the photo; empty gives back the listing's title."""
        await self.require_author(listing, viewer)
        photo = await self.of_listing(listing, photo_id)
        photo.alt_text = _clean_alt_text(alt_text)
        await self.session.flush()
        return photo

    async def _renumber(self, ordered: list[Photo], *, listing: Listing | None = None) -> list[Photo]:
        """Positions 0, 1, 2 … in this order; with ``listing``, a new cover is recorded as its change."""
        if listing is not None and ordered and ordered[0].position != 0:
            self._record_change(listing)
        for position, photo in enumerate(ordered):
            if photo.position != position:
                photo.position = position
        await self.session.flush()
        return ordered

    # --- deleting --------------------------------------------------------------------------------

    async def delete_photo(self, listing: Listing, viewer: Viewer, photo_id: uuid.UUID) -> None:
        """Delete one photo (its author or a moderator); the next ones move up one place."""
        await self._require_may_delete(listing, viewer)
        photo = await self.of_listing(listing, photo_id)
        keys = keys_of(photo)
        await self.session.delete(photo)
        await self.session.flush()
        await self._renumber(await self.for_listing(listing.id))
        self._record_change(listing)
        await self.session.flush()
        await self.release_files(keys)

    async def delete_for_listing(self, listing_id: uuid.UUID) -> int:
        """Delete every photo of a listing (the caller decided that the listing goes); returns how many.

        Call it before deleting the listing row: the database would cascade to the rows but
        leave their files to the orphan collector."""
        photos = await self.for_listing(listing_id)
        keys: set[str] = set()
        for photo in photos:
            keys |= keys_of(photo)
            await self.session.delete(photo)
        await self.session.flush()
        await self.release_files(keys)
        return len(photos)

    async def release_files(self, keys: set[str]) -> None:
        """Delete, once this transaction commits, those of ``keys`` that no photo row (of a
        listing or of a draft) uses any more."""
        if not keys:
            return
        orphaned = keys - await self._referenced_among(keys)
        if orphaned:
            after_commit(self.session, partial(_delete_files, self.storage, orphaned))

    async def _referenced_among(self, keys: set[str]) -> set[str]:
        """Those of ``keys`` that some photo row still uses (rows deleted in this transaction
        are already gone from what it reads)."""
        # Keys live in the JSON column: a text match finds the candidate rows on both backends
        # (keys are hex digits, slashes and ".webp": nothing LIKE treats specially), then the
        # exact check is made on the decoded JSON.
        used: set[str] = set()
        for model in (Photo, DraftPhoto):  # a draft's photo may share its files with a listing's
            as_text = cast(model.variants, Text)
            rows = await self.session.scalars(
                select(model.variants).where(
                    or_(*(as_text.contains(key, autoescape=True) for key in sorted(keys)))
                )
            )
            for variants in rows:
                used |= keys_in(variants) & keys
        return used


async def covers_of(session: AsyncSession, listing_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Photo]:
    """The cover (first photo) of each listing that has one, in one query (cards, search documents)."""
    ids = list(dict.fromkeys(listing_ids))
    if not ids:
        return {}
    rank = (
        func.row_number()
        .over(partition_by=Photo.listing_id, order_by=(Photo.position, Photo.id))
        .label("rank")
    )
    ranked = select(Photo.id, rank).where(Photo.listing_id.in_(ids)).subquery()
    rows = await session.scalars(
        select(Photo).join(ranked, ranked.c.id == Photo.id).where(ranked.c.rank == 1)
    )
    return {photo.listing_id: photo for photo in rows}


# What a refused file looks like, by its first bytes, to name it in the refusal.
_KNOWN_SIGNATURES: Final = (
    (b"GIF8", "GIF"),
    (b"%PDF", "PDF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"<?xml", "SVG/XML"),
    (b"<svg", "SVG"),
    (b"PK\x03\x04", "ZIP"),
)


def refusal_reason(refusal: UnacceptablePhoto, data: bytes) -> str:
    """The pipeline's reason, said more precisely where the member can act on it: an empty file
    is "fichier vide" (the pipeline knows it only as an unknown format), and an unknown format
    names what the file seems to be."""
    if not data:
        return _("Fichier vide.")
    if refusal.status_code != 415:
        return str(refusal.detail)
    head = data[:SNIFF_BYTES].lstrip()
    seen = next((name for magic, name in _KNOWN_SIGNATURES if head.startswith(magic)), None)
    if seen is None and head[4:8] == b"ftyp":
        seen = _("vidéo")
    if seen is None:  # never the name's extension: a renamed file is what its bytes say
        seen = _("fichier non reconnu")
    return _(
        "Format non accepté : %(format)s. Formats acceptés : JPEG, PNG, WebP, HEIC/HEIF, AVIF.",
        format=seen,
    )


async def _read_capped(source: PhotoSource) -> bytes:
    """At most one byte over the limit: enough for the pipeline to answer 413 without holding
    a huge upload in memory (the multipart parser spooled it to disk)."""
    return await source.read(MAX_UPLOAD_BYTES + 1)


def _clean_alt_text(alt_text: str) -> str:
    alt_text = " ".join((alt_text or "").split())
    if len(alt_text) > ALT_TEXT_MAX:
        raise InvalidInput("alt_text", _("La description de la photo fait au plus 200 caractères."))
    return alt_text


def _delete_files(storage: PhotoStorage, keys: set[str]) -> None:
    """Remove ``keys`` from ``storage`` (after the commit that let go of them).

    Unlinking a few files is a metadata operation of microseconds, done in the commit's own
    step. A remote object store would rather queue these deletions."""
    for key in sorted(keys):
        try:
            storage.delete(key)
        except OSError:  # the collector will find it
            logger.warning("Could not delete photo file %s", key, exc_info=True)
