"""Matching: which watchers would now find the listings that just changed.

A watcher is a saved search, or an available wanted listing (which watches for its author). The
changes are the search outbox's listing upserts that the indexer has handed to the index
(``processed_at`` set), so that the index already holds what it is asked about. For each
watcher the question is the search page's own: its query and filters, within the communities its
member may read now (``discovery.queries.reader_scope``, the visibility rule), narrowed to the
changed listings (``Filters(listing_ids=...)``). The index answers; nothing here re-implements
text matching. A member who left or was banned has no scope there any more, so no match.

How it scales (figures in bench/alerts.py): one index query per distinct question, on at most
``IDS_PER_QUERY`` ids. A watcher is skipped without a query when its exact-valued filters
(community, kind, category, sizes, condition, gender, price) rule out every changed listing;
the skip is conservative, it only leaves out what the index would leave out too. Watchers
asking the very same query (words, filters, scope) share one question, whose hits each keeps
within its own candidates: the listing ids only narrow, so the answer for the union is, listing
by listing, the answer each would get alone.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
from litestar.exceptions import ValidationException
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.models import User
from marketplace.alerts.criteria import Criteria
from marketplace.alerts.models import AlertMatch, Frequency, MatchedChange, SavedSearch
from marketplace.communities.models import Community, Membership, MembershipStatus
from marketplace.communities.visibility import readable_communities
from marketplace.discovery.queries import ReadableCommunity, Scope, checked_filters, title_words
from marketplace.indexing.documents import documents_for, findable
from marketplace.indexing.models import ChangeSubject, OutboxOperation, SearchOutboxEntry
from marketplace.listings.models import Listing, ListingKind, ListingStatus
from search.contract import MAX_PER_PAGE, InvalidQuery, Query, SearchIndex

log = logging.getLogger("marketplace.alerts")

# Changes older than this are not matched any more (an alert days late helps nobody), and the
# matcher forgets which rows it read after it.
LOOKBACK = datetime.timedelta(days=1)
CHANGES_PER_PASS = 500
IDS_PER_QUERY = MAX_PER_PAGE  # one page holds every hit: nothing is cut off
QUERIES_IN_FLIGHT = 4
# Only listings one can still ask for are worth an alert (a reserved one is found by the search
# page, but telling somebody about it would send them to a closed door).
ALERT_STATUSES = (ListingStatus.AVAILABLE.value,)
OFFER_KINDS = (ListingKind.GIVE.value, ListingKind.SWAP.value, ListingKind.SELL.value)

WANTED_MIN_LENGTH = 3


def wanted_criteria(wanted_title: str) -> Criteria:
    """What a wanted listing watches for: offers whose text matches its title's words."""
    return Criteria(q=title_words(wanted_title), kind=OFFER_KINDS, status=ALERT_STATUSES)


@dataclass(frozen=True)
class Watcher:
    user_id: uuid.UUID
    criteria: Criteria
    since: datetime.datetime  # changes recorded before this are not for it
    saved_search_id: uuid.UUID | None = None
    wanted_id: uuid.UUID | None = None
    frequency: Frequency = Frequency.INSTANT
    name: str = ""

    @property
    def key(self) -> uuid.UUID:
        return self.saved_search_id or self.wanted_id  # type: ignore[return-value]


@dataclass(frozen=True)
class Change:
    """A listing the index has just taken, and when its change was recorded."""

    listing_id: uuid.UUID
    recorded_at: datetime.datetime


@dataclass
class Found:
    """What one matching run found."""

    changes: int = 0
    queries: int = 0
    pairs: list[tuple[Watcher, uuid.UUID]] = field(default_factory=list)


# --- the watchers -----------------------------------------------------------------------------------


async def saved_search_watchers(session: AsyncSession) -> list[Watcher]:
    """Every saved search that is not paused, as a watcher (one whose criteria no longer pass
    the search's checks is skipped, and logged)."""
    rows = await session.execute(
        select(
            SavedSearch.id,
            SavedSearch.user_id,
            SavedSearch.criteria,
            SavedSearch.frequency,
            SavedSearch.name,
            SavedSearch.created_at,
        ).where(SavedSearch.frequency != Frequency.OFF)
    )
    watchers = []
    checked: dict[str, Criteria | None] = {}  # many members save the same search
    for row in rows.all():
        key = json.dumps(row.criteria or {}, sort_keys=True)
        if key not in checked:
            try:
                checked[key] = Criteria.stored(row.criteria or {})
            except TypeError:
                checked[key] = None
        criteria = checked[key]
        if criteria is None:
            log.warning("saved search %s: criteria unreadable, skipped", row.id)
            continue
        watchers.append(
            Watcher(
                user_id=row.user_id,
                criteria=criteria,
                since=row.created_at,
                saved_search_id=row.id,
                frequency=Frequency(row.frequency),
                name=row.name,
            )
        )
    return watchers


async def wanted_watchers(session: AsyncSession) -> list[Watcher]:
    """Every available wanted listing that readers can find, watching for its author."""
    rows = await session.execute(
        select(Listing.id, Listing.author_id, Listing.title, Listing.published_at, Listing.created_at).where(
            Listing.kind == ListingKind.WANTED, Listing.status == ListingStatus.AVAILABLE, findable()
        )
    )
    watchers = []
    for row in rows.all():
        criteria = wanted_criteria(row.title)
        if len(criteria.q) < WANTED_MIN_LENGTH:
            continue
        watchers.append(
            Watcher(
                user_id=row.author_id,
                criteria=criteria,
                since=row.published_at or row.created_at,
                wanted_id=row.id,
                name=row.title,
            )
        )
    return watchers


# --- the cheap skip -----------------------------------------------------------------------------------


def could_match(criteria: Criteria, document: Mapping[str, Any]) -> bool:
    """False only when an exact-valued filter certainly leaves ``document`` out (the index
    decides everything else: text, typos, synonyms, free-text areas)."""
    if criteria.community and document.get("community") not in criteria.community:
        return False
    if criteria.kind and document.get("kind") not in criteria.kind:
        return False
    if (
        document.get("status") not in (criteria.status or ALERT_STATUSES)
        or document.get("status") not in ALERT_STATUSES
    ):
        return False
    if criteria.category and not set(criteria.category) & set(document.get("category_ids") or ()):
        return False
    if criteria.size and not set(criteria.size) & set(document.get("size") or ()):
        return False
    if criteria.shoe_size and not set(criteria.shoe_size) & set(document.get("shoe_size") or ()):
        return False
    if criteria.condition and document.get("condition") not in criteria.condition:
        return False
    if criteria.gender and document.get("gender") not in criteria.gender:
        return False
    price = document.get("price")
    if price is not None:
        if criteria.min_price is not None and price < criteria.min_price:
            return False
        if criteria.max_price is not None and price > criteria.max_price:
            return False
    return True


# --- asking the index ------------------------------------------------------------------------------


class ScopeCache:
    """Each member's scope (the visibility rule), for many members at once.

    Asking ``reader_scope`` member by member cost one query each: three quarters of a matcher
    pass over 10,000 saved searches (bench/alerts.py). Here the rule is read in two queries for
    all of them: the public communities through ``readable_communities`` for a reader who is
    nobody (the rule's own public part), and the members' active memberships, which is the
    rule's other part; ``test_matching`` checks that it gives what ``reader_scope`` gives."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._public: dict[str, ReadableCommunity] | None = None
        self._readable: dict[uuid.UUID, dict[str, ReadableCommunity] | None] = {}

    async def load_users(self, ids: Iterable[uuid.UUID]) -> None:
        if self._public is None:
            rows = await self.session.execute(
                select(Community.id, Community.slug, Community.name).where(
                    Community.id.in_(readable_communities(Viewer(None)))
                )
            )
            self._public = {str(row.id): ReadableCommunity(str(row.id), row.slug, row.name) for row in rows}
        wanted = [user_id for user_id in set(ids) if user_id not in self._readable]
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            active = set(
                await self.session.scalars(
                    select(User.id).where(User.id.in_(chunk), User.is_active.is_(True))
                )
            )
            readable: dict[uuid.UUID, dict[str, ReadableCommunity]] = {
                user_id: dict(self._public) for user_id in active
            }
            rows = await self.session.execute(
                select(Membership.user_id, Community.id, Community.slug, Community.name)
                .join(Community, Community.id == Membership.community_id)
                .where(Membership.user_id.in_(active), Membership.status == MembershipStatus.ACTIVE)
            )
            for row in rows:
                readable[row.user_id][str(row.id)] = ReadableCommunity(str(row.id), row.slug, row.name)
            for user_id in chunk:
                self._readable[user_id] = readable.get(user_id)

    async def scope(self, user_id: uuid.UUID, communities: tuple[str, ...]) -> Scope | None:
        """As ``reader_scope(viewer, communities)``; None for an account that is gone or disabled."""
        await self.load_users([user_id])
        readable = self._readable.get(user_id)
        if readable is None:
            return None
        # Sorted: members of the same groups ask the same question (see find_matches).
        if not communities:
            return Scope(readable=readable, searched=tuple(sorted(readable)))
        searched = tuple(sorted(key for key, community in readable.items() if community.slug in communities))
        return Scope(
            readable=readable, searched=searched, asked=tuple(readable[key].slug for key in searched)
        )


def watcher_query(criteria: Criteria, scope: Scope, listing_ids: Sequence[str]) -> Query:
    """The search page's query for ``criteria`` (``discovery.queries.build_query``'s pieces: the
    checked filters and the reader's scope), narrowed to ``listing_ids`` and to open listings."""
    filters = checked_filters(criteria.params())
    statuses = tuple(status for status in filters.statuses if status in ALERT_STATUSES)
    return Query(
        text=criteria.q,
        community_ids=scope.searched,
        filters=dataclasses.replace(filters, statuses=statuses, listing_ids=tuple(listing_ids)),
        per_page=IDS_PER_QUERY,
    )


async def find_matches(
    session: AsyncSession,
    index: SearchIndex,
    changes: Sequence[Change],
    watchers: Sequence[Watcher],
    scopes: ScopeCache | None = None,
    *,
    skip: bool = True,
) -> Found:
    """The (watcher, listing) pairs that the watchers' searches find among ``changes`` now.

    Never the watcher's own listing, never a listing changed before the watcher existed.
    ``skip=False`` asks the index for every watcher (the bench's baseline)."""
    found = Found(changes=len(changes))
    if not changes or not watchers:
        return found
    recorded = {change.listing_id: change.recorded_at for change in changes}
    documents = {document["id"]: document for document in await documents_for(session, list(recorded))}
    documents = {key: doc for key, doc in documents.items() if doc.get("status") in ALERT_STATUSES}
    if not documents:
        return found
    authors = dict(
        (
            await session.execute(
                select(Listing.id, Listing.author_id).where(
                    Listing.id.in_([uuid.UUID(key) for key in documents])
                )
            )
        ).all()
    )
    scopes = scopes or ScopeCache(session)
    await scopes.load_users({watcher.user_id for watcher in watchers})
    # Watchers whose query is the same (same words, filters and scope: neighbours of the same
    # groups saving "poussette") share one index question; each keeps its own candidates.
    groups: dict[Query, list[tuple[Watcher, set[str]]]] = {}
    questions: dict[tuple[Criteria, tuple[str, ...]], Query | None] = {}
    for watcher in watchers:
        candidates = [
            key
            for key, document in documents.items()
            if authors.get(uuid.UUID(key)) != watcher.user_id
            and recorded[uuid.UUID(key)] >= watcher.since
            and (not skip or could_match(watcher.criteria, document))
        ]
        if not candidates:
            continue
        scope = await scopes.scope(watcher.user_id, watcher.criteria.community)
        if scope is None:
            continue
        searched = set(scope.searched)
        candidates = [key for key in candidates if documents[key]["community_id"] in searched]
        if not candidates:
            continue
        asked = (watcher.criteria, scope.searched)
        if asked not in questions:
            try:
                questions[asked] = watcher_query(watcher.criteria, scope, ())
            except ValidationException as error:
                log.warning("watcher %s: criteria refused (%s), skipped", watcher.key, error)
                questions[asked] = None
        question = questions[asked]
        if question is None:
            continue
        if not question.community_ids or not question.filters.statuses:
            continue
        if not skip:  # the baseline: every watcher its own question
            question = dataclasses.replace(question, page=1 + len(groups))
        groups.setdefault(question, []).append((watcher, set(candidates)))
    answers: dict[Query, set[str]] = {}
    queue = list(groups.items())

    async def ask_next() -> None:
        # Several questions in flight: each waits on a Meilisearch round trip or an embedded
        # index thread, so a few at once keep the worker busy instead of waiting.
        while queue:
            question, members = queue.pop()
            wanted = sorted(set().union(*(candidates for _watcher, candidates in members)))
            hits: set[str] = set()
            try:
                anchor = await _anchor(question) if len(question.text.split()) > 1 else None
            except InvalidQuery as error:
                log.warning("query refused (%s), skipped", error)
                continue
            if anchor == "":  # the search finds nothing at all now: nor does the alert
                answers[question] = hits
                continue
            room = IDS_PER_QUERY - (anchor is not None)
            for start in range(0, len(wanted), room):
                chunk = tuple(wanted[start : start + room])
                with_anchor = chunk if anchor is None or anchor in chunk else (*chunk, anchor)
                query = dataclasses.replace(
                    question, page=1, filters=dataclasses.replace(question.filters, listing_ids=with_anchor)
                )
                try:
                    found.queries += 1
                    result = await index.search(query)
                except InvalidQuery as error:
                    log.warning("query refused (%s), skipped", error)
                    break
                hits.update(hit.id for hit in result.hits if hit.id in chunk)
            answers[question] = hits

    async def _anchor(question: Query) -> str | None:
        """A listing the search itself finds now (its first hit), or "" when it finds nothing.

        Both backends drop a query's last words while nothing matches them all. Asked about a
        few listings only, "nothing" would be about those few, and "poussette canne" would fall
        back to "poussette" where the search page, which finds a "Poussette canne", does not.
        With the page's own first hit among the ids, the few fall back exactly when the page
        does, and as far: an alert finds what the page finds."""
        found.queries += 1
        top = await index.search(dataclasses.replace(question, page=1, per_page=1))
        return top.hits[0].id if top.hits else ""

    async with anyio.create_task_group() as tasks:
        for _lane in range(min(QUERIES_IN_FLIGHT, len(queue))):
            tasks.start_soon(ask_next)
    for question, members in groups.items():  # in the watchers' order, whatever came back first
        for watcher, own in members:
            found.pairs.extend((watcher, uuid.UUID(key)) for key in sorted(answers[question] & own))
    return found


# --- the changes the index has taken ------------------------------------------------------------------


async def unread_changes(
    session: AsyncSession, now: datetime.datetime, limit: int = CHANGES_PER_PASS
) -> tuple[list[SearchOutboxEntry], list[Change]]:
    """The listing upserts the index has taken within the look-back that the matcher has not
    read yet, oldest first; and the listings they concern."""
    read = select(MatchedChange.outbox_id)
    entries = list(
        await session.scalars(
            select(SearchOutboxEntry)
            .where(
                SearchOutboxEntry.subject == ChangeSubject.LISTING,
                SearchOutboxEntry.operation == OutboxOperation.UPSERT,
                SearchOutboxEntry.processed_at.is_not(None),
                SearchOutboxEntry.processed_at >= now - LOOKBACK,
                SearchOutboxEntry.id.not_in(read),
            )
            .order_by(SearchOutboxEntry.processed_at, SearchOutboxEntry.id)
            .limit(limit)
        )
    )
    latest: dict[uuid.UUID, datetime.datetime] = {}
    for entry in entries:
        latest[entry.subject_id] = max(entry.created_at, latest.get(entry.subject_id, entry.created_at))
    return entries, [Change(listing_id, at) for listing_id, at in latest.items()]


async def mark_read(session: AsyncSession, entries: Sequence[SearchOutboxEntry]) -> None:
    for entry in entries:
        assert entry.processed_at is not None
        session.add(MatchedChange(outbox_id=entry.id, processed_at=entry.processed_at))
    await session.flush()


async def forget_read(session: AsyncSession, now: datetime.datetime) -> int:
    """The matcher's memory of rows older than the look-back (it never reads those again)."""
    result = await session.execute(
        delete(MatchedChange).where(MatchedChange.processed_at < now - LOOKBACK - datetime.timedelta(hours=1))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def new_pairs(
    session: AsyncSession, pairs: Sequence[tuple[Watcher, uuid.UUID]]
) -> list[tuple[Watcher, uuid.UUID]]:
    """The pairs not matched before (a listing is told once per watcher, however often it changes)."""
    if not pairs:
        return []
    searches = {watcher.saved_search_id for watcher, _ in pairs if watcher.saved_search_id}
    wanted = {watcher.wanted_id for watcher, _ in pairs if watcher.wanted_id}
    listings = {listing_id for _, listing_id in pairs}
    known: set[tuple[uuid.UUID | None, uuid.UUID]] = set()
    if searches:
        known |= {
            (row[0], row[1])
            for row in await session.execute(
                select(AlertMatch.saved_search_id, AlertMatch.listing_id).where(
                    AlertMatch.saved_search_id.in_(searches), AlertMatch.listing_id.in_(listings)
                )
            )
        }
    if wanted:
        known |= {
            (row[0], row[1])
            for row in await session.execute(
                select(AlertMatch.wanted_id, AlertMatch.listing_id).where(
                    AlertMatch.wanted_id.in_(wanted), AlertMatch.listing_id.in_(listings)
                )
            )
        }
    fresh = []
    for watcher, listing_id in dict.fromkeys(pairs):
        if (watcher.key, listing_id) not in known:
            known.add((watcher.key, listing_id))
            fresh.append((watcher, listing_id))
    return fresh


async def change_pending(
    session: AsyncSession, listing_id: uuid.UUID, now: datetime.datetime | None = None
) -> bool:
    """Whether a change of this listing is still to be read by the matcher (within the look-back:
    an older one never will be, and must not keep a page asking)."""
    since = (now or datetime.datetime.now(datetime.UTC)) - LOOKBACK
    found = await session.scalar(
        select(SearchOutboxEntry.id)
        .where(
            SearchOutboxEntry.subject == ChangeSubject.LISTING,
            SearchOutboxEntry.subject_id == listing_id,
            SearchOutboxEntry.operation == OutboxOperation.UPSERT,
            SearchOutboxEntry.created_at >= since,
            SearchOutboxEntry.id.not_in(select(MatchedChange.outbox_id)),
        )
        .limit(1)
    )
    return found is not None
