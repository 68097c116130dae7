"""Benchmark of search: indexing through the outbox, the search API, the embedded index, the page.

Run from the project root:

    .venv/bin/python bench/search.py                      # 100,000 listings
    .venv/bin/python bench/search.py --listings 5000      # a quick run
    .venv/bin/python bench/search.py --meilisearch-url URL --meilisearch-key KEY

Without ``--meilisearch-url`` it starts a throw-away Meilisearch from ``MEILISEARCH_BIN`` (or
``meilisearch`` on PATH; ``scripts/install-meilisearch`` prints the path of the pinned 1.21).

Setup (not timed): a temporary data directory with a fresh SQLite database migrated by Alembic;
N realistic listings from ``search.eval.corpus.generate_documents`` (20 communities, 35 kinds of
items with their variants, sizes, shoe sizes, prices, conditions, quartiers) written as the
JSONL import format and imported with ``marketplace import listings``'s code
(``import_listings``: public communities, categories, listings and one ``search_outbox`` row per
listing, in one transaction), as if neighbours had posted them.

What is measured, in one run:

1. **Indexing**: the app's outbox path, ``marketplace.indexing.indexer.drain`` called pass after
   pass as the worker does, each pass in its own transaction (up to 20 batches of 500 rows read,
   their listings read and turned into documents, then one ``MeilisearchIndex.upsert`` of the
   pass's documents, which normalises them and waits for Meilisearch's task, and the rows marked
   processed in bulk),
   until the outbox is empty, against a **direct bulk load** of the same documents into another
   index with the same settings: the documents as Meilisearch stores them (built and normalised
   before the clock starts) sent with ``add_documents`` in requests of 20,000, all sent before
   waiting (Meilisearch indexes enqueued tasks as one batch), timed until the last succeeds.
   Both are listings per second; the ratio is outbox / bulk (target at least 0.8). A third line,
   ``upsert batches``, sends the prebuilt contract documents through ``MeilisearchIndex.upsert``
   in batches of 500, without the database: it splits the gap between the database side and
   the batching.
2. **API**: ``GET /api/v1/search`` on the real app served by ``marketplace run`` (uvicorn, one
   process, ``MEILISEARCH_URL`` set; ``bench/serving.py``), asked over HTTP from this process
   with one keep-alive connection as a browser would, as an anonymous reader, every facet as the
   search page asks, for a mix of text, filtered and faceted queries; against the same queries
   sent straight to Meilisearch (the very parameters the backend sends: filter, facets, page,
   highlights positions) with the official client, each query straight then through the app,
   one right after the other (a burst of load hits both alike). p50 and p95 over R rounds of the
   mix, after a warm-up round; the target is that the app adds at most 30 % to the p50.
3. **Embedded**: the same contract queries on ``EmbeddedIndex`` holding the same documents
   (loaded by ``rebuild`` in batches of 500), p50 and p95 (target p95 under 20 ms).
4. **Page**: ``GET /recherche?q=...`` (the HTML search page with its filters and counts) on the
   same served app, p50.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import inspect
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import anyio  # noqa: E402
import meilisearch  # noqa: E402
import requests  # noqa: E402

from bench.figures import machine, percentile  # noqa: E402
from bench.serving import in_environment, running_app  # noqa: E402
from marketplace.db.migrate import upgrade  # noqa: E402
from marketplace.indexing.documents import all_documents  # noqa: E402
from marketplace.indexing.indexer import drain  # noqa: E402
from marketplace.listings.importer import import_listings  # noqa: E402
from marketplace.operations import sessions_for, transaction_in  # noqa: E402
from marketplace.settings import load_settings  # noqa: E402
from search.contract import Document, Facet, Filters, Query, Sort  # noqa: E402
from search.embedded import EmbeddedIndex  # noqa: E402
from search.eval.corpus import generate_documents  # noqa: E402
from search.eval.ndcg import meilisearch_binary, started_meilisearch  # noqa: E402
from search.language import normalise_text  # noqa: E402
from search.meilisearch_backend import MeilisearchIndex, indexed  # noqa: E402

BATCH = 500
# The bulk load sends every document in one request: 100,000 of them take minutes to upload.
CLIENT_TIMEOUT_SECONDS = 900
BULK_REQUEST_DOCUMENTS = 20_000


# --- The mix of queries -------------------------------------------------------------------

# (label, API parameters); the same queries are built as contract queries below.
MIX: tuple[tuple[str, dict[str, Any]], ...] = (
    ("text", {"q": "poussette"}),
    ("text", {"q": "velo enfant"}),
    ("text", {"q": "lego duplo"}),
    ("text", {"q": "poussete canne"}),  # a typo
    ("text", {"q": "bottes pluie pointure 24"}),
    ("text", {"q": "gigoteuse 2,5 tog"}),
    ("text", {"q": "lave linge"}),  # a synonym
    ("text", {"q": "chaise ha"}),  # being typed
    ("filtered", {"q": "body", "size": ["6 mois"], "kind": ["give"]}),
    ("filtered", {"q": "trottinette", "max_price": 10, "sort": "price_asc"}),
    ("filtered", {"q": "", "kind": ["wanted"], "sort": "newest"}),
    ("filtered", {"q": "baskets", "shoe_size": ["28"], "area": ["Gambetta"]}),
    ("faceted", {"q": ""}),
    ("faceted", {"q": "jean", "condition": ["tres_bon_etat", "bon_etat"]}),
    ("faceted", {"q": "livres", "page": 2}),
)
PAGE_QUERIES = ("poussette", "velo enfant", "lego", "bottes pluie 24")


def contract_query(parameters: dict[str, Any], communities: tuple[str, ...]) -> Query:
    """The contract query the app builds for these API parameters (every facet, 20 a page)."""
    filters = Filters(
        kinds=tuple(parameters.get("kind", ())),
        sizes=tuple(parameters.get("size", ())),
        shoe_sizes=tuple(parameters.get("shoe_size", ())),
        conditions=tuple(parameters.get("condition", ())),
        pickup_areas=tuple(parameters.get("area", ())),
        max_price=parameters.get("max_price"),
    )
    return Query(
        text=parameters.get("q", ""),
        community_ids=communities,
        filters=filters,
        sort=Sort(parameters.get("sort", "relevance")),
        page=int(parameters.get("page", 1)),
        per_page=20,
        facets=tuple(Facet),
    )


# --- Figures ------------------------------------------------------------------------------


def line(label: str, values: Sequence[float]) -> str:
    return (
        f"  {label:34} p50 {statistics.median(values):7.2f} ms   p95 {percentile(values, 0.95):7.2f} ms"
        f"   ({len(values)} requests)"
    )


Call = Callable[[], Any]  # a request, sync (HTTP) or async (the embedded index)


async def _once(call: Call) -> float:
    """Milliseconds of one call."""
    started = time.perf_counter()
    answer = call()
    if inspect.isawaitable(answer):
        await answer
    return (time.perf_counter() - started) * 1000


async def timed(calls: Sequence[Call], rounds: int) -> list[float]:
    """Milliseconds of each call, ``rounds`` times over, after one untimed warm-up round."""
    for call in calls:
        await _once(call)
    return [await _once(call) for _round in range(rounds) for call in calls]


async def timed_pairs(
    straight: Sequence[Call], app: Sequence[Call], rounds: int
) -> tuple[list[float], list[float]]:
    """Milliseconds of each query sent straight and through the app, one right after the other,
    so that a burst of load on this shared machine hits both alike; after a warm-up round."""
    for direct, through in zip(straight, app, strict=True):
        await _once(direct)
        await _once(through)
    firsts: list[float] = []
    seconds: list[float] = []
    for _round in range(rounds):
        for direct, through in zip(straight, app, strict=True):
            firsts.append(await _once(direct))
            seconds.append(await _once(through))
    return firsts, seconds


def by_kind(name: str, durations: Sequence[float]) -> None:
    """The p50/p95 of each kind of query of the mix (durations are in mix order, round after round)."""
    for label in ("text", "filtered", "faceted"):
        chosen = {number for number, (kind, _params) in enumerate(MIX) if kind == label}
        picked = [value for at, value in enumerate(durations) if at % len(MIX) in chosen]
        print(line(f"  {name}, {label}", picked))


def rate(label: str, count: int, seconds: float) -> str:
    return f"  {label:40} {count / seconds:9,.0f} listings/s   {seconds:7.1f} s for {count:,}"


# --- Setup --------------------------------------------------------------------------------


def import_line(document: dict[str, Any]) -> str:
    """A generated listing as a line of the import format (design.md, "Import format")."""
    published = datetime.datetime.fromtimestamp(document["published_at"], tz=datetime.UTC)
    attributes = {key: value for key, value in (document.get("attributes") or {}).items() if value}
    row = {
        "ref": document["ref"],
        "community": document["community"],
        "category": document["category"],
        "kind": document["kind"],
        "title": document["title"],
        "description": document["description"],
        "price": document["price"],
        "condition": document["condition"],
        "attributes": attributes,
        "pickup_area": document["pickup_area"],
        "status": document["status"],
        "created_at": published.isoformat(),
    }
    return json.dumps(row, ensure_ascii=False)


@contextlib.contextmanager
def environment(data_dir: Path, url: str, key: str) -> Iterator[None]:
    settings = {
        "MARKETPLACE_DATA_DIR": str(data_dir),
        "MARKETPLACE_MEDIA_ROOT": str(data_dir / "media"),
        "MEILISEARCH_URL": url,
        "MEILISEARCH_API_KEY": key,
        "MARKETPLACE_EMBEDDED_WORKER": "false",  # the bench drains the outbox itself
        "MARKETPLACE_PASSWORD_HASHING": "fast",
    }
    with in_environment({**os.environ, **settings}):
        yield


@contextlib.contextmanager
def meilisearch_server(url: str | None, key: str | None) -> Iterator[tuple[str, str]]:
    if url:
        yield url, key or ""
        return
    binary = meilisearch_binary()
    if binary is None:
        sys.exit("No Meilisearch: set MEILISEARCH_BIN (scripts/install-meilisearch) or --meilisearch-url")
    with started_meilisearch(binary) as started:
        yield started


# --- The run ------------------------------------------------------------------------------


async def run(count: int, rounds: int, url: str, key: str, data_dir: Path) -> None:
    # Settings are read from the environment, which now points at the bench's own database.
    print(f"Machine: {machine()}")
    print(f"Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; {count:,} listings\n")
    settings = load_settings()
    generated = list(generate_documents(count))

    started = time.perf_counter()
    async with sessions_for(settings) as sessions, transaction_in(sessions) as session:
        report = await import_listings(
            session,
            [import_line(document) for document in generated],
            default_author_email=None,
            create_communities=True,
            listing_lifetime_days=365,
        )
    print(f"Setup: imported {report.created:,} listings in {time.perf_counter() - started:.1f} s", end="")
    print(f" ({report.skipped} skipped{': ' + str(report.errors[:3]) if report.errors else ''})\n")
    if not report.created:
        sys.exit("nothing imported")

    client = meilisearch.Client(url, key, timeout=CLIENT_TIMEOUT_SECONDS)
    app_index = MeilisearchIndex(url, key, "listings", timeout=CLIENT_TIMEOUT_SECONDS)
    await app_index.ensure_settings()

    # 1. Indexing: the outbox path, pass after pass as the worker drains it.
    print("1. Indexing into Meilisearch")
    passes = 0
    async with sessions_for(settings) as sessions:  # one engine, as in the worker
        started = time.perf_counter()
        while True:
            async with transaction_in(sessions) as session:
                drained = await drain(session, app_index, datetime.datetime.now(datetime.UTC))
            passes += 1
            if drained.failed:
                sys.exit(f"the indexer failed: {drained.errors}")
            if not drained.rows:
                break
        outbox_seconds = time.perf_counter() - started
    indexed_count = (await app_index.health()).documents or 0
    print(
        f"  outbox path (drain, batches of {BATCH})  {indexed_count / outbox_seconds:9,.0f} listings/s",
        end="",
    )
    print(f"   {outbox_seconds:6.1f} s for {indexed_count:,} in {passes} passes")

    # The same documents, as the app built them, for the baselines.
    async with sessions_for(settings) as sessions, transaction_in(sessions) as session:
        documents = [document async for batch in all_documents(session) for document in batch]
    prepared = [indexed(document) for document in documents]

    bulk = MeilisearchIndex(url, key, "bulk_listings", timeout=CLIENT_TIMEOUT_SECONDS)
    await bulk.ensure_settings()
    started = time.perf_counter()
    # Requests of BULK_REQUEST_DOCUMENTS (one body of 100,000 would pass Meilisearch's 100 MB
    # payload limit), all sent before waiting: Meilisearch indexes the enqueued tasks as one batch.
    tasks = client.index("bulk_listings").add_documents_in_batches(prepared, BULK_REQUEST_DOCUMENTS, "id")
    for task in tasks:
        done = client.wait_for_task(task.task_uid, timeout_in_ms=3_600_000, interval_in_ms=20)
        if done.status != "succeeded":
            sys.exit(f"bulk load {done.status}: {done.error}")
    bulk_seconds = time.perf_counter() - started
    print(
        f"  direct bulk load (add_documents, sent at once) {len(prepared) / bulk_seconds:9,.0f} listings/s",
        end="",
    )
    print(f"   {bulk_seconds:6.1f} s")

    batches = MeilisearchIndex(url, key, "batched_listings", timeout=CLIENT_TIMEOUT_SECONDS)
    await batches.ensure_settings()
    started = time.perf_counter()
    for start in range(0, len(documents), BATCH):
        await batches.upsert(documents[start : start + BATCH])
    batch_seconds = time.perf_counter() - started
    print(
        f"  upsert batches of {BATCH}, no database     {len(documents) / batch_seconds:9,.0f} listings/s",
        end="",
    )
    print(f"   {batch_seconds:6.1f} s")
    ratio = (indexed_count / outbox_seconds) / (len(prepared) / bulk_seconds)
    print(f"  outbox / bulk throughput: {ratio:.2f} (target >= 0.80)\n")
    del prepared
    for uid in ("bulk_listings", "batched_listings"):
        client.wait_for_task(client.delete_index(uid).task_uid, timeout_in_ms=600_000)

    # 2. The API against Meilisearch straight.
    communities = tuple(sorted({str(document["community_id"]) for document in documents}))
    queries = [contract_query(parameters, communities) for _label, parameters in MIX]
    print(
        f"2. GET /api/v1/search vs the same queries straight to Meilisearch ({rounds} rounds of {len(MIX)})"
    )
    with running_app(os.environ, data_dir / "server.log") as base_url, requests.Session() as http:
        api_calls = [
            functools.partial(http.get, f"{base_url}/api/v1/search", params=params) for _label, params in MIX
        ]
        answer = api_calls[0]()
        if answer.status_code != 200 or not answer.json()["total"]:
            sys.exit(f"the API did not answer as expected: {answer.status_code} {answer.text[:300]}")
        meili = client.index("listings")
        straight_calls = [
            functools.partial(meili.search, normalise_text(query.text), app_index._parameters(query))
            for query in queries
        ]
        straight, api = await timed_pairs(straight_calls, api_calls, rounds)
        print(line("Meilisearch straight (client)", straight))
        print(line("/api/v1/search (the app)", api))
        overhead = statistics.median(api) / statistics.median(straight) - 1
        print(f"  the app adds {overhead:.0%} to the p50 (target <= 30%)")
        by_kind("/api/v1/search", api)
        print()

        # 3. The embedded index on the same contract queries.
        print("3. Embedded index (SQLite FTS5), the same queries")
        embedded = EmbeddedIndex(data_dir / "bench-embedded")

        async def in_batches() -> AsyncIterator[Sequence[Document]]:
            for start in range(0, len(documents), BATCH):
                yield documents[start : start + BATCH]

        started = time.perf_counter()
        await embedded.rebuild(in_batches())
        print(f"  loaded {len(documents):,} documents in {time.perf_counter() - started:.1f} s (rebuild)")
        embedded_calls = [functools.partial(embedded.search, query) for query in queries]
        local = await timed(embedded_calls, rounds)
        print(line("EmbeddedIndex.search", local))
        by_kind("EmbeddedIndex.search", local)
        slowest = sorted(range(len(MIX)), key=lambda number: -statistics.median(local[number :: len(MIX)]))
        for number in slowest[:3]:
            print(f"    slowest: {MIX[number][1]} p50 {statistics.median(local[number :: len(MIX)]):.1f} ms")
        print(f"  target: p95 < 20 ms -> {'met' if percentile(local, 0.95) < 20 else 'not met'}\n")
        await embedded.close()

        # 4. The HTML search page.
        print("4. Search page (HTML)")
        page_calls = [
            functools.partial(http.get, f"{base_url}/recherche", params={"q": text}) for text in PAGE_QUERIES
        ]
        page = page_calls[0]()
        if page.status_code != 200:
            sys.exit(f"the search page answered {page.status_code}")
        pages = await timed(page_calls, rounds)
        print(line("GET /recherche?q=...", pages))


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--listings", type=int, default=100_000, help="how many listings (default 100,000)")
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds of the query mix (default 20)")
    parser.add_argument("--meilisearch-url", default=None)
    parser.add_argument("--meilisearch-key", default=None)
    arguments = parser.parse_args()
    with (
        meilisearch_server(arguments.meilisearch_url, arguments.meilisearch_key) as (url, key),
        tempfile.TemporaryDirectory(prefix="bench-search-") as directory,
        environment(Path(directory), url, key),
    ):
        upgrade(load_settings().database.url)  # Alembic runs its own event loop: before ours
        anyio.run(run, arguments.listings, arguments.rounds, url, key, Path(directory))


if __name__ == "__main__":
    main()
