"""Benchmark of load: 50 neighbours reading at once and 10 posting, against 1 and 2 app processes.

Run from the project root:

    .venv/bin/python bench/load.py                              # 30 s per run, 1 and 2 processes
    .venv/bin/python bench/load.py --seconds 10 --workers 1

Setup (not timed): a temporary data directory, the demo data (``marketplace demo``: embedded
mode, SQLite, the embedded search index), and ten posters (accounts made by ``marketplace users
create``, an API token each, members of the demo's open vide-grenier).

Each run serves the app with ``marketplace run --workers N`` (``bench/serving.py``) and, for
``--seconds``, keeps busy:

- 50 anonymous readers, each with its own keep-alive connection, one request after another
  without pause, going round the home page, the group's page (all, then its gifts) and listing pages;
- 10 posters, each posting a listing through the API (``POST /api/v1/communities/{slug}/listings``,
  titles and descriptions drawn from the realistic corpus so that no two read alike), one after
  another without pause.

It prints, per run, the requests per second of the readers and of the posters, their p50 and
p95, the errors (any answer other than the expected one, or a transport failure; a poster's 409
from the group's posting rules is counted apart), and ``/health`` asked on its own connection
every 100 ms during the run (the server's floor under that load). The load comes from this one
Python process, which shares the machine's cores with the server: the figures are those of a
2-core box serving and loading itself.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import httpx  # noqa: E402

from bench.figures import machine, percentile  # noqa: E402
from bench.serving import app_environment, marketplace_command, running_app  # noqa: E402
from search.eval.corpus import generate_documents  # noqa: E402

READERS = 50
POSTERS = 10
PASSWORD = "un mot de passe assez long"  # noqa: S105 - the bench's own throwaway accounts
GROUP = "vide-grenier-paris-20"  # the demo's open group (marketplace/demo.py)
HEALTH_EVERY_SECONDS = 0.1


@dataclass
class Tally:
    durations: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    refused: int = 0

    def line(self, label: str, seconds: float) -> str:
        if not self.durations:
            return f"  {label:<9} no answer; errors {dict(self.errors)}"
        rate = len(self.durations) / seconds
        p50, p95 = percentile(self.durations, 0.5), percentile(self.durations, 0.95)
        figures = f"p50 {p50:6.1f} ms   p95 {p95:6.1f} ms"
        errors = sum(self.errors.values())
        detail = f" {dict(self.errors)}" if errors else ""
        refused = f", {self.refused} refused by posting rules" if self.refused else ""
        return f"  {label:<9} {rate:7.1f} req/s   {figures}   errors {errors}{detail}{refused}"


def posters(environment: dict[str, str], count: int) -> list[str]:
    emails = [f"poster-{number}@load.bench" for number in range(count)]
    for number, email in enumerate(emails):
        account = ["--email", email, "--name", f"Poster {number}", "--password", PASSWORD]
        subprocess.run(
            [marketplace_command(), "users", "create", *account],
            env=environment,
            check=True,
            capture_output=True,
            timeout=120,
        )
    return emails


def token_for(http: httpx.Client, email: str) -> str:
    response = http.post("/api/v1/auth/tokens", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    token = str(response.json()["token"])
    joined = http.post(f"/api/v1/communities/{GROUP}/join", json={"answer": ""}, headers=bearer(token))
    if joined.status_code not in (201, 409):
        sys.exit(f"{email} could not join {GROUP}: {joined.status_code} {joined.text[:200]}")
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def reading_paths(http: httpx.Client) -> list[str]:
    items = http.get(f"/api/v1/communities/{GROUP}/listings", params={"per_page": 20}).json()["items"]
    listings = [f"/listings/{item['id']}" for item in items]
    return ["/", f"/communities/{GROUP}", f"/communities/{GROUP}?kind=give", *listings]


def category_of(http: httpx.Client) -> str:
    item = http.get(f"/api/v1/communities/{GROUP}/listings", params={"per_page": 1}).json()["items"][0]
    category = item.get("category_id") or item["category"]
    return str(category["id"] if isinstance(category, dict) else category)


def new_listings(category_id: str) -> Iterator[dict[str, Any]]:
    for number, document in enumerate(generate_documents(1_000_000, seed=77)):
        yield {
            "kind": "give",
            "title": f"{document['title']} ({number})",
            "description": f"{document['description']} Lot {number}.",
            "category_id": category_id,
        }


async def reader(base_url: str, paths: Sequence[str], start: int, until: float, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        for path in itertools.islice(itertools.cycle(paths), start, None):
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            try:
                response = await http.get(path)
            except httpx.TransportError as error:
                tally.errors[type(error).__name__] += 1
                continue
            if response.status_code == 200:
                tally.durations.append((time.perf_counter() - started) * 1000)
            else:
                tally.errors[str(response.status_code)] += 1


async def poster(
    base_url: str, token: str, listings: Iterator[dict[str, Any]], until: float, tally: Tally
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=60, headers=bearer(token)) as http:
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                response = await http.post(f"/api/v1/communities/{GROUP}/listings", json=next(listings))
            except httpx.TransportError as error:
                tally.errors[type(error).__name__] += 1
                continue
            if response.status_code == 201:
                tally.durations.append((time.perf_counter() - started) * 1000)
            elif response.status_code == 409:
                tally.refused += 1
            else:
                tally.errors[str(response.status_code)] += 1


async def health(base_url: str, until: float, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        while time.monotonic() < until:
            started = time.perf_counter()
            response = await http.get("/health")
            if response.status_code == 200:
                tally.durations.append((time.perf_counter() - started) * 1000)
            else:
                tally.errors[str(response.status_code)] += 1
            await asyncio.sleep(HEALTH_EVERY_SECONDS)


async def load(base_url: str, paths: list[str], tokens: list[str], category_id: str, seconds: float) -> None:
    reads, posts, floor = Tally(), Tally(), Tally()
    listings = new_listings(category_id)
    until = time.monotonic() + seconds
    started = time.perf_counter()
    async with asyncio.TaskGroup() as tasks:
        for number in range(READERS):
            tasks.create_task(reader(base_url, paths, number, until, reads))
        for token in tokens:
            tasks.create_task(poster(base_url, token, listings, until, posts))
        tasks.create_task(health(base_url, until, floor))
    elapsed = time.perf_counter() - started
    print(reads.line("readers", elapsed))
    print(posts.line("posters", elapsed))
    print(floor.line("/health", elapsed))


def run(
    environment: dict[str, str], directory: Path, workers: int, seconds: float, emails: list[str]
) -> None:
    with running_app(environment, directory / f"server-{workers}.log", workers) as base_url:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            tokens = [token_for(http, email) for email in emails]
            paths = reading_paths(http)
            category_id = category_of(http)
        processes = f"{workers} process{'es' if workers > 1 else ''}"
        print(f"\n{processes}: {READERS} readers, {len(tokens)} posters, {seconds:.0f} s")
        asyncio.run(load(base_url, paths, tokens, category_id, seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", default="1,2", help="app processes per run, comma-separated")
    arguments = parser.parse_args()
    print(f"Machine: {machine()}")
    print(f"Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        directory = Path(scratch)
        environment = app_environment(directory)
        for step in (["db", "upgrade"], ["demo"]):
            subprocess.run([marketplace_command(), *step], env=environment, check=True, capture_output=True)
        emails = posters(environment, POSTERS)
        for workers in (int(value) for value in arguments.workers.split(",")):
            run(environment, directory, workers, arguments.seconds, emails)


if __name__ == "__main__":
    main()
