"""Benchmark of alerts: matching new listings against saved searches, and the daily digest run.

Run from the project root:

    .venv/bin/python bench/alerts.py                         # 10,000 saved searches, 1,000 listings
    .venv/bin/python bench/alerts.py --searches 2000 --listings 200 --samples 50
    .venv/bin/python bench/alerts.py --backend embedded      # or meilisearch (default: both)

Without ``--meilisearch-url`` it starts a throw-away Meilisearch from ``MEILISEARCH_BIN`` (or
``meilisearch`` on PATH; ``scripts/install-meilisearch`` prints the path of the pinned 1.21).

Setup (not timed), once per backend, in a fresh SQLite database migrated by Alembic: L realistic
listings from ``search.eval.corpus.generate_documents`` imported with ``marketplace import
listings``'s code (20 public communities, one ``search_outbox`` row each) and drained into the
backend's index by the indexer; 2,000 members with S saved searches between them (five each),
made from another draw of the same corpus: one or two words of an item's title, and, as people
filter, a size (a quarter), a group (30 %), a kind (20 %), a price ceiling (10 %); 5 % are filters
only. Half the members take alerts by e-mail. Every search is daily, so that the digest run has
the whole day's matches to tell.

What is measured:

1. **One new listing against every saved search**: for a sample of the listings, one matcher
   pass as the worker makes it when a single listing has just been indexed: load the watchers
   (the S saved searches and the available wanted listings, their criteria checked), build the
   listing's document, skip the searches whose exact-valued filters rule it out, then one index
   query per remaining search (its text and filters, as its member, narrowed to that listing's
   id). p50 and p95 of the whole pass, and of the part after loading the watchers. Then the same
   for a few listings without the skip (one index query per saved search): the baseline that
   shows why the skip is there.
2. **The batch**: the matcher job on all L listings at once (passes of 500 changes, each asking
   a search about every changed listing it could match in one query of up to 100 ids): total
   time, index queries, matches recorded.
3. **The day's digest run**: ``send_digests`` at the digest hour, with every match of step 2
   waiting: one notice per member (and an e-mail outbox row for those who take e-mail).

Figures (2026-12-04, 2 shared vCPUs, AMD EPYC, load average 3 to 8 from other jobs; SQLite;
10,000 saved searches, 1,000 listings; 30 listings timed one by one):

=========================================  ===============  ===============
                                           embedded         Meilisearch 1.21
=========================================  ===============  ===============
one listing, whole pass p50 / p95          1,740 / 2,075 ms 2,217 / 2,895 ms
  of which loading the 10,087 watchers     788 / 1,022 ms   396 / 513 ms
  index questions per listing (median)     765              766
  baseline, one query per saved search     8,260 ms         20,790 ms
batch of 1,000 listings (2 passes)         80 s, 10,108 q.  69 s, 10,166 q.
day's digests (2,000 members, ~135,000)    11.6 s           9.9 s
=========================================  ===============  ===============

What made it scale: reading every member's scope in two queries rather than one each (three
quarters of a pass before), one question per distinct query (words, filters, scope) instead of
one per saved search, the skip on exact-valued filters, four questions in flight, multi-row
inserts of matches and one UPDATE per 1,000 told. The last-words fallback of both backends
costs one more question per query of several words (see ``alerts/matching.py``). The synthetic
corpus has 35 kinds of items, so each listing matches 150 to 220 of the 10,000 searches, far
more than a neighbourhood's real alerts would.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import anyio  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.figures import machine, percentile  # noqa: E402
from bench.search import import_line, meilisearch_server  # noqa: E402
from marketplace.accounts.models import User  # noqa: E402
from marketplace.alerts.criteria import checked_criteria  # noqa: E402
from marketplace.alerts.digest import send_digests  # noqa: E402
from marketplace.alerts.matching import (  # noqa: E402
    Change,
    ScopeCache,
    find_matches,
    saved_search_watchers,
    wanted_watchers,
)
from marketplace.alerts.models import AlertMatch, Frequency, SavedSearch  # noqa: E402
from marketplace.alerts.scheduled import match_new_changes  # noqa: E402
from marketplace.communities.attributes import covered_sizes  # noqa: E402
from marketplace.db.migrate import upgrade  # noqa: E402
from marketplace.indexing.indexer import drain  # noqa: E402
from marketplace.listings.importer import import_listings  # noqa: E402
from marketplace.listings.models import Listing, ListingStatus  # noqa: E402
from marketplace.notifications.models import (  # noqa: E402
    Delivery,
    EmailOutboxEntry,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from marketplace.operations import sessions_for, transaction_in  # noqa: E402
from marketplace.settings import DatabaseSettings, Settings, load_settings  # noqa: E402
from search.contract import SearchIndex  # noqa: E402
from search.embedded import EmbeddedIndex  # noqa: E402
from search.eval.corpus import generate_documents  # noqa: E402
from search.meilisearch_backend import MeilisearchIndex  # noqa: E402

MEMBERS = 2_000


def line(label: str, values: Sequence[float]) -> str:
    return (
        f"  {label:<44} p50 {statistics.median(values):8.1f} ms   p95 {percentile(values, 0.95):8.1f} ms"
        f"   ({len(values)} runs)"
    )


def saved_criteria(count: int, seed: int = 11) -> Iterator[dict[str, Any]]:
    """Saved searches as neighbours make them, from another draw of the corpus."""
    rng = random.Random(seed)
    pool = list(generate_documents(3_000, seed=seed))
    for _number in range(count):
        document = rng.choice(pool)
        if rng.random() < 0.05:
            yield {"community": [document["community"]], "kind": ["give"]}
            continue
        words = [word for word in document["title"].split() if word != "Cherche"]
        criteria: dict[str, Any] = {"q": " ".join(words[: rng.choice((1, 2))])}
        size = (document.get("attributes") or {}).get("size")
        if size and rng.random() < 0.25:
            criteria["size"] = covered_sizes(size)[:1]
        if rng.random() < 0.3:
            criteria["community"] = [document["community"]]
        if rng.random() < 0.2:
            criteria["kind"] = [rng.choice(("give", "sell"))]
        if rng.random() < 0.1:
            criteria["max_price"] = 20
        yield criteria


async def setup(settings: Settings, index: SearchIndex, searches: int, listings: int) -> None:
    started = time.perf_counter()
    earlier = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    async with sessions_for(settings) as sessions:
        async with transaction_in(sessions) as session:
            report = await import_listings(
                session,
                [import_line(document) for document in generate_documents(listings, seed=20)],
                default_author_email=None,
                create_communities=True,
                listing_lifetime_days=365,
            )
        async with transaction_in(sessions) as session:
            members = [
                User(
                    email=f"membre{number}@bench.test",
                    display_name=f"Membre {number}",
                    password_hash="-",  # noqa: S106 (nobody logs in: no hash to compute)
                    email_verified_at=earlier,
                )
                for number in range(MEMBERS)
            ]
            session.add_all(members)
            await session.flush()
            session.add_all(
                NotificationPreference(
                    user_id=member.id, kind=NotificationKind.ALERTS, delivery=Delivery.EMAIL
                )
                for member in members[::2]
            )
            for number, raw in enumerate(saved_criteria(searches)):
                criteria = checked_criteria(raw)
                session.add(
                    SavedSearch(
                        user_id=members[number % MEMBERS].id,
                        name=criteria.q or "filtres",
                        criteria=criteria.as_json(),
                        frequency=Frequency.DAILY,
                        digest_hour=18,
                        next_digest_at=earlier,
                        created_at=earlier,
                        updated_at=earlier,
                    )
                )
        await index.ensure_settings()
        while True:
            async with transaction_in(sessions) as session:
                drained = await drain(session, index, datetime.datetime.now(datetime.UTC))
            if drained.failed:
                sys.exit(f"the indexer failed: {drained.errors}")
            if not drained.rows:
                break
    print(
        f"  setup: {report.created:,} listings indexed, {MEMBERS:,} members, {searches:,} saved searches"
        f" in {time.perf_counter() - started:.1f} s"
    )


async def one_listing_passes(settings: Settings, index: SearchIndex, samples: int, baseline: int) -> None:
    async with sessions_for(settings) as sessions, transaction_in(sessions) as session:
        # The listings an alert can be about (a generated one may be reserved or done already).
        ids = list(
            await session.scalars(
                select(Listing.id).where(Listing.status == ListingStatus.AVAILABLE).order_by(Listing.id)
            )
        )
        rng = random.Random(3)
        chosen = rng.sample(ids, min(samples, len(ids)))
        now = datetime.datetime.now(datetime.UTC)
        whole: list[float] = []
        after_load: list[float] = []
        loads: list[float] = []
        queries: list[int] = []
        found: list[int] = []
        for listing_id in chosen:
            started = time.perf_counter()
            watchers = [*(await saved_search_watchers(session)), *(await wanted_watchers(session))]
            loaded = time.perf_counter()
            result = await find_matches(
                session, index, [Change(listing_id, now)], watchers, ScopeCache(session)
            )
            done = time.perf_counter()
            whole.append((done - started) * 1000)
            after_load.append((done - loaded) * 1000)
            loads.append((loaded - started) * 1000)
            queries.append(result.queries)
            found.append(len(result.pairs))
        print(line("one listing: whole pass", whole))
        print(line("  loading the watchers", loads))
        print(line("  matching (skip + index queries)", after_load))
        print(
            f"  index queries per listing: median {statistics.median(queries):.0f}, max {max(queries)}"
            f" (of {len(watchers):,} watchers); matches per listing: median {statistics.median(found):.0f},"
            f" max {max(found)}"
        )
        naive: list[float] = []
        for listing_id in chosen[:baseline]:
            started = time.perf_counter()
            result = await find_matches(
                session, index, [Change(listing_id, now)], watchers, ScopeCache(session), skip=False
            )
            naive.append((time.perf_counter() - started) * 1000)
        if naive:
            print(line(f"baseline, one query per saved search ({result.queries:,})", naive))


async def batch_and_digest(settings: Settings, index: SearchIndex) -> None:
    now = datetime.datetime.now(datetime.UTC)
    async with sessions_for(settings) as sessions:
        started = time.perf_counter()
        changes = queries = matches = passes = 0
        while True:
            async with transaction_in(sessions) as session:
                matched = await match_new_changes(session, now, index)
            if not matched.changes:
                break
            passes += 1
            changes, queries, matches = (
                changes + matched.changes,
                queries + matched.queries,
                matches + matched.matches,
            )
        seconds = time.perf_counter() - started
        print(
            f"  batch: {changes:,} listings in {passes} passes, {seconds:.2f} s"
            f" ({seconds / max(changes, 1) * 1000:.1f} ms a listing), {queries:,} index queries,"
            f" {matches:,} matches"
        )
        started = time.perf_counter()
        async with transaction_in(sessions) as session:
            digests = await send_digests(session, now + datetime.timedelta(minutes=1))
        seconds = time.perf_counter() - started
        async with transaction_in(sessions) as session:
            notices = await session.scalar(select(func.count()).select_from(Notification))
            mails = await session.scalar(select(func.count()).select_from(EmailOutboxEntry))
            waiting = await session.scalar(
                select(func.count()).select_from(AlertMatch).where(AlertMatch.notified_at.is_(None))
            )
        print(
            f"  digest run: {seconds:.2f} s for {digests.sent:,} members told of {digests.matches:,} matches"
            f" ({notices:,} notices, {mails:,} e-mails queued, {waiting} left waiting)"
        )


async def run_backend(name: str, arguments: argparse.Namespace, url: str, key: str, directory: Path) -> None:
    print(f"\n{name}")
    data = directory / name
    data.mkdir()
    database = f"sqlite+aiosqlite:///{data / 'marketplace.db'}"
    await anyio.to_thread.run_sync(upgrade, database)
    settings = load_settings()
    settings = Settings(**{**settings.__dict__, "database": DatabaseSettings(url=database)})
    index: SearchIndex = (
        EmbeddedIndex(data / "search")
        if name == "embedded"
        else MeilisearchIndex(url, key, f"alerts_bench_{uuid.uuid4().hex[:8]}", timeout=60)
    )
    try:
        await setup(settings, index, arguments.searches, arguments.listings)
        print("1. One new listing against every saved search")
        await one_listing_passes(settings, index, arguments.samples, arguments.baseline)
        print("2. The matcher on the whole batch, 3. the day's digests")
        await batch_and_digest(settings, index)
    finally:
        await index.close()


def main() -> None:
    logging.getLogger("marketplace").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--listings", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=200, help="listings timed one by one (default 200)")
    parser.add_argument("--baseline", type=int, default=3, help="of which without the skip (default 3)")
    parser.add_argument("--backend", choices=("embedded", "meilisearch", "both"), default="both")
    parser.add_argument("--meilisearch-url", default=None)
    parser.add_argument("--meilisearch-key", default=None)
    arguments = parser.parse_args()
    print(f"Machine: {machine()}")
    print(
        f"Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC;"
        f" {arguments.searches:,} saved searches, {arguments.listings:,} new listings"
    )
    backends = ("embedded", "meilisearch") if arguments.backend == "both" else (arguments.backend,)
    with contextlib.ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-alerts-")))
        os.environ.update(
            {
                "MARKETPLACE_DATA_DIR": str(directory),
                "MARKETPLACE_MEDIA_ROOT": str(directory / "media"),
                "MARKETPLACE_EMBEDDED_WORKER": "false",
            }
        )
        url = key = ""
        if "meilisearch" in backends:
            url, key = stack.enter_context(
                meilisearch_server(arguments.meilisearch_url, arguments.meilisearch_key)
            )
        for name in backends:
            anyio.run(run_backend, name, arguments, url, key, directory)


if __name__ == "__main__":
    main()
