"""Benchmark of scale: the pages of a marketplace holding the whole 20e's listings, on both databases.

Run from the project root:

    .venv/bin/python bench/scale.py                                 # 100,000 listings, both databases
    .venv/bin/python bench/scale.py --listings 20000 --databases sqlite --rounds 30

For each database (SQLite in a temporary data directory; PostgreSQL in a scratch database created
on 127.0.0.1:5432 and dropped afterwards) it sets up, untimed unless said:

- a site admin who is also every group's admin, and a member who wrote 500 of the listings;
- four groups: two large public ones (the vide-grenier and the vide-dressing, 60 % and 30 % of
  the listings), a small public one and a members-only one (5 % each);
- N realistic listings from ``search.eval.corpus.generate_documents``, most of them over, as
  years of a real group leave them: 20 % available, 3 % reserved, 45 % done, 25 % expired, 7 %
  withdrawn; written as the JSONL import format and imported with ``marketplace import listings``
  (a subprocess, **timed**: listings per second; then the same file again, **timed**, which must
  change nothing);
- photo rows for a fifth of the listings (their files are not needed by the pages measured);
- the search index built from the search outbox as the worker does (embedded backend).

Then it serves the app (``marketplace run``, one process, ``bench/serving.py``) and asks, over
HTTP with one keep-alive connection, one request after another, each page R times after a
warm-up: ``/health`` (the server's own floor), the home page, a group's page (first and a deep
page), a listing page (a different listing each time), the browse API (first and deep page), the
search API, "my listings" for the member with 500 listings, and the moderators' pages (queue,
members, audit log). It prints p50 and p95 per page and the deep / first ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import httpx  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bench.figures import machine, percentile  # noqa: E402
from bench.search import import_line  # noqa: E402
from bench.serving import (  # noqa: E402
    app_environment,
    in_environment,
    kept_postgres_database,
    marketplace_command,
    running_app,
    scratch_postgres_database,
)
from marketplace.indexing.index import opened_index  # noqa: E402
from marketplace.indexing.indexer import drain  # noqa: E402
from marketplace.listings.models import Listing  # noqa: E402
from marketplace.operations import sessions_for, transaction_in  # noqa: E402
from marketplace.photos.models import Photo  # noqa: E402
from marketplace.settings import load_settings  # noqa: E402
from search.eval.corpus import AREAS, generate_documents  # noqa: E402

PASSWORD = "un mot de passe assez long"  # noqa: S105 - the bench's own throwaway accounts
ADMIN_EMAIL = "admin@scale.bench"
MEMBER_EMAIL = "grande-videuse@scale.bench"
MEMBER_LISTINGS = 500
# (slug, name, template, visibility, share of the listings)
GROUPS = (
    ("vide-grenier-20", "Vide-grenier du 20e", "vide-grenier", "public", 60),
    ("vide-dressing-20", "Vide-dressing bébé/enfant du 20e", "vide-dressing", "public", 30),
    ("troc-plantes", "Troc de plantes", "vide-grenier", "public", 5),
    ("entre-voisins-rue", "Entre voisins de la rue", "vide-grenier", "members", 5),
)
STATUSES = (("available", 20), ("reserved", 3), ("done", 45), ("expired", 25), ("withdrawn", 7))
PHOTO_SHARE = 5  # one listing in five has photos
DEEP_GROUP_PAGE = 200
DEEP_API_PAGE = 500
COMMAND_TIMEOUT_SECONDS = 3600


# --- setting up -------------------------------------------------------------------------------


def listing_lines(count: int, seed: int = 10) -> Iterator[str]:
    """``count`` import lines over the groups and statuses above; the member wrote the first 500."""
    rng = random.Random(seed)
    slugs = [slug for slug, *_ in GROUPS]
    shares = [share for *_, share in GROUPS]
    statuses = [status for status, _ in STATUSES]
    weights = [weight for _, weight in STATUSES]
    for number, document in enumerate(generate_documents(count, communities=1)):
        document["community"] = slugs[0] if number < MEMBER_LISTINGS else rng.choices(slugs, shares)[0]
        document["status"] = rng.choices(statuses, weights)[0]
        row = json.loads(import_line(document))
        if number < MEMBER_LISTINGS:
            row["author_email"] = MEMBER_EMAIL
        yield json.dumps(row, ensure_ascii=False)


def command(environment: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [marketplace_command(), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"marketplace {' '.join(arguments[:3])} failed:\n{done.stdout[:1500]}{done.stderr[:1500]}")
    return done.stdout.strip()


def accounts_and_groups(environment: dict[str, str]) -> None:
    command(environment, "db", "upgrade")
    for email, name, admin in ((ADMIN_EMAIL, "Modération", True), (MEMBER_EMAIL, "Grande videuse", False)):
        flags = ["--admin"] if admin else []
        account = ["--email", email, "--name", name, "--password", PASSWORD, *flags]
        command(environment, "users", "create", *account)
    for slug, name, template, visibility, _share in GROUPS:
        command(
            environment, "communities", "create", "--slug", slug, "--name", name,
            "--template", template, "--visibility", visibility, "--join-policy", "approval",
            "--admin-email", ADMIN_EMAIL, *(f"--pickup-area={area}" for area in AREAS),
        )  # fmt: skip


async def photos_and_index() -> tuple[int, int]:
    """Photo rows for a fifth of the listings, then the outbox drained into the index."""
    settings = load_settings()
    async with sessions_for(settings) as sessions:
        async with transaction_in(sessions) as session:
            ids = list(await session.scalars(select(Listing.id).order_by(Listing.id)))
            with_photos = ids[::PHOTO_SHARE]
            rows = [photo_row(listing_id, position) for listing_id in with_photos for position in range(2)]
            for start in range(0, len(rows), 5000):
                await session.execute(insert(Photo), rows[start : start + 5000])
        indexed = 0
        async with opened_index(settings) as index:
            while True:
                async with transaction_in(sessions) as session:
                    drained = await drain(session, index, datetime.datetime.now(datetime.UTC))
                if drained.failed:
                    sys.exit(f"the indexer failed: {drained.errors}")
                if not drained.rows:
                    break
                indexed += drained.rows
    return len(with_photos), indexed


def photo_row(listing_id: uuid.UUID, position: int) -> dict[str, Any]:
    digest = uuid.uuid5(listing_id, str(position)).hex * 2
    variants = {
        name: {"key": f"{digest[:2]}/{digest[2:4]}/{digest}-{name}.webp", "width": width, "height": height}
        for name, width, height in (("thumb", 320, 400), ("medium", 960, 1200), ("large", 1920, 2400))
    }
    now = datetime.datetime.now(datetime.UTC)
    return {
        "id": uuid.uuid4(),
        "listing_id": listing_id,
        "position": position,
        "content_hash": digest,
        "byte_size": 180_000,
        "width": 1920,
        "height": 2400,
        "placeholder_color": "#b0a898",
        "alt_text": "",
        "variants": variants,
        "created_at": now,
        "updated_at": now,
    }


# --- measuring --------------------------------------------------------------------------------


def logged_in(base_url: str, email: str) -> httpx.Client:
    """A browser-like client with a session cookie for ``email``."""
    client = httpx.Client(base_url=base_url, timeout=60)
    client.get("/login")
    token = client.cookies.get("csrftoken", "")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD}, headers={"x-csrftoken": token}
    )
    if response.status_code != 303 or "/login" in response.headers.get("location", ""):
        sys.exit(f"could not log in as {email}: {response.status_code}")
    return client


def last_page(client: httpx.Client, path: str, wanted: int) -> int:
    total = int(client.get(path, params={"per_page": 24}).json()["total"])
    return max(1, min(wanted, (total + 23) // 24))


@dataclass(frozen=True)
class Request:
    label: str
    client: httpx.Client
    paths: Sequence[str]  # taken in turn: a different listing each time, for instance


def timed(request: Request, rounds: int) -> list[float]:
    durations = []
    for number in range(rounds + 3):
        path = request.paths[number % len(request.paths)]
        started = time.perf_counter()
        response = request.client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"{request.label}: {path} answered {response.status_code}: {response.text[:300]}")
        if number >= 3:  # the first three warm the caches up
            durations.append(elapsed)
    return durations


def requests_of(base_url: str, anonymous: httpx.Client) -> list[Request]:
    member = logged_in(base_url, MEMBER_EMAIL)
    admin = logged_in(base_url, ADMIN_EMAIL)
    group = GROUPS[0][0]
    browse = f"/api/v1/communities/{group}/listings"
    # The member's listings on offer: a listing page shows its author's record, and the
    # importer's account, author of the other 99,500, is no neighbour.
    own = member.get("/api/v1/me/listings", params={"per_page": 100}).json()["items"]
    listings = [item for item in own if item["status"] in ("available", "reserved")]
    deep_group = last_page(anonymous, browse, DEEP_GROUP_PAGE)
    deep_api = last_page(anonymous, browse, DEEP_API_PAGE)
    return [
        Request("/health", anonymous, ["/health"]),
        Request("home page", anonymous, ["/"]),
        Request("group page, first", anonymous, [f"/communities/{group}"]),
        Request(f"group page, page {deep_group}", anonymous, [f"/communities/{group}?page={deep_group}"]),
        Request("listing page", anonymous, [f"/listings/{item['id']}" for item in listings]),
        Request("browse API, first", anonymous, [browse]),
        Request(f"browse API, page {deep_api}", anonymous, [f"{browse}?page={deep_api}"]),
        Request("search API", anonymous, ["/api/v1/search?q=poussette", "/api/v1/search?q=velo+enfant"]),
        Request("my listings (500)", member, ["/my/listings"]),
        Request("moderation queue", admin, [f"/communities/{group}/moderation"]),
        Request("members page", admin, [f"/communities/{group}/members"]),
        Request("audit log", admin, [f"/communities/{group}/audit"]),
    ]


def line(label: str, values: Sequence[float]) -> str:
    return f"  {label:<26} p50 {percentile(values, 0.5):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms"


def measure(environment: dict[str, str], directory: Path, rounds: int) -> None:
    figures: dict[str, list[float]] = {}
    served = running_app(environment, directory / "server.log")
    with served as base_url, httpx.Client(base_url=base_url, timeout=60) as anonymous:
        for request in requests_of(base_url, anonymous):
            figures[request.label] = timed(request, rounds)
            print(line(request.label, figures[request.label]), flush=True)
    labels = list(figures)

    def ratio(deep: str, first: str) -> str:
        return f"{percentile(figures[deep], 0.5) / percentile(figures[first], 0.5):.2f}"

    group, api = ratio(labels[3], labels[2]), ratio(labels[6], labels[5])
    print(f"  deep / first p50: group page {group}, browse API {api}")


def run(database: str, database_url: str | None, count: int, rounds: int, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        directory = keep or Path(scratch)
        environment = app_environment(directory, database_url, MARKETPLACE_EMBEDDED_WORKER="false")
        print(f"\n{database}: {count:,} listings")
        if keep and (directory / "listings.jsonl").exists():
            print(f"  set up already in {keep}")
            measure(environment, directory, rounds)
            return
        accounts_and_groups(environment)
        source = directory / "listings.jsonl"
        source.write_text("\n".join(listing_lines(count)) + "\n", encoding="utf-8")
        for attempt in ("import", "the same file again"):
            started = time.perf_counter()
            summary = command(environment, "import", "listings", str(source), "--author", ADMIN_EMAIL)
            seconds = time.perf_counter() - started
            rate = f"{count / seconds:7,.0f} listings/s"
            print(f"  {attempt:<26} {rate}  ({seconds:.1f} s: {summary})", flush=True)
        with in_environment(environment):
            photographed, indexed = asyncio.run(photos_and_index())
        print(f"  setup: photos for {photographed:,} listings, {indexed:,} outbox rows indexed", flush=True)
        measure(environment, directory, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--keep",
        type=Path,
        help="set up in this directory (and the PostgreSQL database bench_scale_kept) once, measure again",
    )
    arguments = parser.parse_args()
    print(f"Machine: {machine()}")
    now = datetime.datetime.now(datetime.UTC)
    print(f"Date: {now:%Y-%m-%d %H:%M} UTC; {arguments.rounds} rounds per page")
    for database in arguments.databases.split(","):
        if database == "sqlite":
            run("SQLite", None, arguments.listings, arguments.rounds, arguments.keep)
        elif database == "postgresql" and arguments.keep:
            url, made = kept_postgres_database("bench_scale_kept")
            kept = arguments.keep / "postgresql"
            if made and kept.exists():
                shutil.rmtree(kept)  # its database is new: so must its data directory be
            kept.mkdir(parents=True, exist_ok=True)
            run("PostgreSQL", url, arguments.listings, arguments.rounds, kept)
        elif database == "postgresql":
            with scratch_postgres_database("bench_scale") as url:
                run("PostgreSQL", url, arguments.listings, arguments.rounds, None)
        else:
            sys.exit(f"unknown database {database!r}: sqlite or postgresql")


if __name__ == "__main__":
    main()
