"""Every write on alerts: a member's saved searches (create, edit, pause, delete), the matches
the worker records and tells, and a size moving along the scale.

A match and its notice commit together (``notifications.record.notify`` in the same
transaction): the worker can neither tell a match it did not record nor record one it did not
tell. Daily digests are ``digest.py``'s.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.alerts.criteria import NAME_MAX_LENGTH, Criteria, add_months, checked_criteria, grown
from marketplace.alerts.matching import Watcher
from marketplace.alerts.models import AlertMatch, Frequency, SavedSearch
from marketplace.communities.visibility import can_read
from marketplace.discovery.queries import invalid, reader_scope
from marketplace.errors import InvalidInput, NotFound
from marketplace.listings.models import Listing
from marketplace.notifications.models import NotificationKind
from marketplace.notifications.record import notify
from marketplace.web.i18n import gettext as _

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MAX_SAVED_SEARCHES = 50  # per member: enough for a family, not a scraper
SIZE_STEPS = (1, 2, 3, 4, 6, 12)  # months between two moves of the size (the form's choices)
DEFAULT_DIGEST_HOUR = 18


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def next_digest_time(hour: int, now: datetime.datetime) -> datetime.datetime:
    """The next ``hour``:00 in Paris strictly after ``now`` (as UTC)."""
    local = now.astimezone(PARIS)
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + datetime.timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    # Across a daylight-saving change the wall clock is what the member chose.
    return candidate.replace(tzinfo=None).replace(tzinfo=PARIS).astimezone(datetime.UTC)


def default_name(criteria: Criteria) -> str:
    """What a saved search is called when its member gives no name."""
    parts = [criteria.q] if criteria.q else [_("Toutes les annonces")]
    parts.extend(criteria.size)
    parts.extend(_("pointure %(size)s", size=size) for size in criteria.shoe_size)
    return " · ".join(parts)[:NAME_MAX_LENGTH]


@dataclass(frozen=True)
class Settings:
    """How a saved search tells its member (the part of the form that is not the query)."""

    frequency: Frequency = Frequency.INSTANT
    digest_hour: int = DEFAULT_DIGEST_HOUR
    size_step_months: int | None = None
    name: str = ""


def checked_settings(
    criteria: Criteria, frequency: Frequency, digest_hour: int, size_step_months: int | None, name: str
) -> Settings:
    if not 0 <= digest_hour <= 23:
        raise InvalidInput("digest_hour", _("L'heure du résumé doit être entre 0 et 23."))
    if size_step_months is not None:
        if size_step_months not in SIZE_STEPS:
            steps = ", ".join(str(step) for step in SIZE_STEPS)
            raise InvalidInput(
                "size_step_months", _("La taille peut avancer tous les %(steps)s mois.", steps=steps)
            )
        if not criteria.has_size:
            raise InvalidInput(
                "size_step_months",
                _("Choisissez une taille ou une pointure pour qu'elle avance avec l'enfant."),
            )
    cleaned = " ".join((name or "").split())
    if "\x00" in cleaned:
        raise InvalidInput("name", _("Ce texte contient un caractère invalide."))
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidInput(
            "name", _("Le nom est trop long : %(max)s caractères au plus.", max=NAME_MAX_LENGTH)
        )
    return Settings(frequency, digest_hour, size_step_months, cleaned)


@dataclass(frozen=True)
class ShownMatch:
    match: AlertMatch
    listing: Listing


MATCH_ROWS_PER_INSERT = 1000


def _instant(watcher: Watcher) -> bool:
    """Whether a match is told now: a wanted listing's always, a saved search's unless daily."""
    return watcher.wanted_id is not None or watcher.frequency is Frequency.INSTANT


class AlertService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- reading one's own ----------------------------------------------------------------------

    async def mine(self, user_id: uuid.UUID) -> list[SavedSearch]:
        return list(
            await self.session.scalars(
                select(SavedSearch)
                .where(SavedSearch.user_id == user_id)
                .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
            )
        )

    async def own(self, user_id: uuid.UUID, saved_search_id: uuid.UUID) -> SavedSearch:
        """The member's saved search; 404 for anybody else's, as for one that does not exist."""
        found = await self.session.scalar(
            select(SavedSearch).where(SavedSearch.id == saved_search_id, SavedSearch.user_id == user_id)
        )
        if found is None:
            raise NotFound(_("Alerte introuvable."))
        return found

    async def recent_matches(
        self, viewer: Viewer, saved_search_ids: Sequence[uuid.UUID], per_search: int = 5
    ) -> dict[uuid.UUID, list[ShownMatch]]:
        """The latest matches of these searches that the viewer may still read."""
        if not saved_search_ids:
            return {}
        rows = await self.session.execute(
            select(AlertMatch, Listing)
            .join(Listing, Listing.id == AlertMatch.listing_id)
            .where(
                AlertMatch.saved_search_id.in_(saved_search_ids),
                AlertMatch.user_id == viewer.user_id,
                can_read(viewer, Listing.community_id.expression),
            )
            .order_by(AlertMatch.created_at.desc(), AlertMatch.id.desc())
        )
        shown: dict[uuid.UUID, list[ShownMatch]] = {}
        for match, listing in rows.unique().all():
            assert match.saved_search_id is not None
            items = shown.setdefault(match.saved_search_id, [])
            if len(items) < per_search:
                items.append(ShownMatch(match, listing))
        return shown

    async def match_counts(self, user_id: uuid.UUID) -> dict[uuid.UUID, int]:
        rows = await self.session.execute(
            select(AlertMatch.saved_search_id, func.count())
            .where(AlertMatch.user_id == user_id, AlertMatch.saved_search_id.is_not(None))
            .group_by(AlertMatch.saved_search_id)
        )
        return {row[0]: int(row[1]) for row in rows.all() if row[0] is not None}

    # --- writing one's own ----------------------------------------------------------------------

    async def _check_scope(self, viewer: Viewer, criteria: Criteria) -> None:
        """A saved search watches the saver's own communities: a group they may not read is a 400
        (as a search in it would find nothing, saving it could only mislead)."""
        if not criteria.community:
            return
        scope = await reader_scope(self.session, viewer, criteria.community)
        unknown = [slug for slug in criteria.community if slug not in scope.asked]
        if unknown:
            raise invalid(
                "community",
                _("Vous ne pouvez pas chercher dans ce groupe : « %(slug)s ».", slug=unknown[0][:80]),
            )

    def _schedule(self, saved: SavedSearch, now: datetime.datetime, *, restart_size: bool) -> None:
        saved.next_digest_at = (
            next_digest_time(saved.digest_hour, now) if saved.frequency is Frequency.DAILY else None
        )
        if saved.size_step_months is None:
            saved.next_size_step_at = None
        elif restart_size or saved.next_size_step_at is None:
            saved.next_size_step_at = add_months(now, saved.size_step_months)

    async def create(
        self, viewer: Viewer, criteria: Criteria, settings: Settings, now: datetime.datetime | None = None
    ) -> SavedSearch:
        """Save ``criteria`` as an alert of the viewer; it matches what changes from now on."""
        assert viewer.user is not None
        now = now or utc_now()
        await self._check_scope(viewer, criteria)
        count = await self.session.scalar(
            select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == viewer.user.id)
        )
        if int(count or 0) >= MAX_SAVED_SEARCHES:
            raise InvalidInput(
                "q", _("Vous avez déjà %(max)s alertes : supprimez-en une d'abord.", max=MAX_SAVED_SEARCHES)
            )
        saved = SavedSearch(
            user_id=viewer.user.id,
            name=settings.name or default_name(criteria),
            criteria=criteria.as_json(),
            frequency=settings.frequency,
            digest_hour=settings.digest_hour,
            size_step_months=settings.size_step_months,
            created_at=now,
            updated_at=now,
        )
        self._schedule(saved, now, restart_size=True)
        self.session.add(saved)
        await self.session.flush()
        return saved

    async def update(
        self,
        viewer: Viewer,
        saved: SavedSearch,
        criteria: Criteria,
        settings: Settings,
        now: datetime.datetime | None = None,
    ) -> SavedSearch:
        """Change the query or how it tells; the size's clock restarts when its period changes."""
        now = now or utc_now()
        await self._check_scope(viewer, criteria)
        restart = settings.size_step_months != saved.size_step_months
        # A name the member gave stays; one made from the old query follows the new query.
        given = settings.name and settings.name != default_name(checked_criteria(saved.criteria or {}))
        saved.name = settings.name if given else default_name(criteria)
        saved.criteria = criteria.as_json()
        saved.frequency = settings.frequency
        saved.digest_hour = settings.digest_hour
        saved.size_step_months = settings.size_step_months
        self._schedule(saved, now, restart_size=restart)
        await self.session.flush()
        return saved

    async def set_frequency(
        self, saved: SavedSearch, frequency: Frequency, now: datetime.datetime | None = None
    ) -> SavedSearch:
        """Pause (``off``) or resume an alert."""
        saved.frequency = frequency
        self._schedule(saved, now or utc_now(), restart_size=False)
        await self.session.flush()
        return saved

    async def delete(self, saved: SavedSearch) -> None:
        await self.session.delete(saved)
        await self.session.flush()

    # --- what the worker does -------------------------------------------------------------------

    async def record_matches(self, pairs: Sequence[tuple[Watcher, uuid.UUID]], now: datetime.datetime) -> int:
        """Write these new matches; an instant alert or a wanted listing tells its member now, a
        daily one waits for its digest. Returns how many were written."""
        if not pairs:
            return 0
        titles = dict(
            (
                await self.session.execute(
                    select(Listing.id, Listing.title).where(
                        Listing.id.in_({listing_id for _, listing_id in pairs})
                    )
                )
            ).all()
        )
        rows = [
            {
                "user_id": watcher.user_id,
                "saved_search_id": watcher.saved_search_id,
                "wanted_id": watcher.wanted_id,
                "listing_id": listing_id,
                "notified_at": now if _instant(watcher) else None,
                "created_at": now,
                "updated_at": now,
            }
            for watcher, listing_id in pairs
        ]
        for start in range(0, len(rows), MATCH_ROWS_PER_INSERT):  # one statement, many rows
            await self.session.execute(insert(AlertMatch), rows[start : start + MATCH_ROWS_PER_INSERT])
        for watcher, listing_id in pairs:
            if not _instant(watcher):
                continue
            if watcher.wanted_id is not None:
                event = "alerts.wanted"
                data = {
                    "listing_title": titles.get(listing_id, ""),
                    "wanted_title": watcher.name,
                    "wanted_id": str(watcher.wanted_id),
                }
            else:
                event = "alerts.match"
                data = {
                    "listing_title": titles.get(listing_id, ""),
                    "search_name": watcher.name,
                    "saved_search_id": str(watcher.saved_search_id),
                }
            await notify(
                self.session,
                recipient_id=watcher.user_id,
                kind=NotificationKind.ALERTS,
                event=event,
                listing_id=listing_id,
                data=data,
                now=now,
            )
        await self.session.flush()
        return len(pairs)

    async def grow_sizes(self, now: datetime.datetime) -> int:
        """Move on the sizes whose period has passed, and tell their members."""
        due = list(
            await self.session.scalars(
                select(SavedSearch).where(
                    SavedSearch.next_size_step_at.is_not(None), SavedSearch.next_size_step_at <= now
                )
            )
        )
        moved = 0
        for saved in due:
            criteria = checked_criteria(saved.criteria or {})
            bigger = grown(criteria)
            if bigger is None or saved.size_step_months is None:  # the end of the scale
                saved.next_size_step_at = None
                continue
            if saved.name == default_name(criteria):
                saved.name = default_name(bigger)
            saved.criteria = bigger.as_json()
            assert saved.next_size_step_at is not None
            step = saved.next_size_step_at
            while step <= now:  # a worker down for months moves one size, not several at once
                step = add_months(step, saved.size_step_months)
            saved.next_size_step_at = step
            await notify(
                self.session,
                recipient_id=saved.user_id,
                kind=NotificationKind.ALERTS,
                event="alerts.size_grown",
                data={
                    "search_name": saved.name,
                    "sizes": list(bigger.size),
                    "shoe_sizes": list(bigger.shoe_size),
                    "saved_search_id": str(saved.id),
                },
                now=now,
            )
            moved += 1
        await self.session.flush()
        return moved
