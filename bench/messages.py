"""Benchmark of conversations: many neighbours writing at once, and how soon the other side sees it.

Run from the project root:

    .venv/bin/python bench/messages.py                          # 200 conversations, both databases
    .venv/bin/python bench/messages.py --conversations 50 --messages 6 --databases sqlite
    .venv/bin/python bench/messages.py --databases postgresql --workers 2

It serves the real app (``marketplace run`` on a free loopback port, a temporary data
directory), on SQLite (embedded mode: the channels plugin's memory backend) and on PostgreSQL
(a scratch database created on 127.0.0.1:5432 and dropped afterwards: LISTEN/NOTIFY, so that
with ``--workers 2`` a message written through one app process reaches a stream held by the
other). Through the API it registers the neighbours (one author for every ten listings, as many
interested neighbours, each talking with ten different authors), and each interested neighbour
says "Je suis intéressé·e", which opens the conversations. Both neighbours of every
conversation then open its event stream (``GET /conversations/{id}/events``, server-sent
events, as the conversation page does) and wait for its ``ready`` event.

Then all the conversations talk at once: in each, the two neighbours take turns, each message
``POST /api/v1/conversations/{id}/messages`` and the next one written as soon as the previous
one has reached the other neighbour's stream. For every message it notes the time from just
before the POST to the moment its ``message`` event (carrying its id) is read from the other
neighbour's stream. It prints messages per second (all messages over the wall time of the
talking phase), the p50/p95/max of that latency and of the POST alone, and any event that did
not arrive within the timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import httpx  # noqa: E402

from bench.serving import app_environment, marketplace_command, running_app, scratch_postgres_database  # noqa: E402

ADMIN_EMAIL = "bench-admin@example.org"
PASSWORD = "un mot de passe assez long"  # noqa: S105 - the bench's own throwaway accounts
SLUG = "bench-messages"
LISTINGS_PER_AUTHOR = 10
EVENT_TIMEOUT_SECONDS = 30.0
SETUP_CONCURRENCY = 8  # registrations hash passwords: a few at a time
SETUP_ATTEMPTS = 6


# --- the served app -------------------------------------------------------------------------


@contextmanager
def served_app(directory: Path, database_url: str | None, workers: int) -> Iterator[str]:
    """``marketplace run`` on a free loopback port, with a site admin and an open community."""
    environment = app_environment(directory, database_url, MARKETPLACE_EMBEDDED_WORKER="false")
    command = marketplace_command()
    subprocess.run([command, "db", "upgrade"], env=environment, check=True, capture_output=True, timeout=300)
    for arguments in (
        ["users", "create", "--email", ADMIN_EMAIL, "--name", "Bench", "--password", PASSWORD, "--admin"],
        ["communities", "create", "--slug", SLUG, "--name", "Bench", "--template", "vide-grenier",
         "--admin-email", ADMIN_EMAIL, "--pickup-area=Belleville"],
    ):  # fmt: skip
        subprocess.run([command, *arguments], env=environment, check=True, capture_output=True, timeout=120)
    log_path = directory / "server.log"
    try:
        with running_app(environment, log_path, workers) as base_url:
            yield base_url
    finally:
        name = "postgresql" if database_url else "sqlite"
        kept = Path(tempfile.gettempdir()) / f"bench-messages-{name}.log"
        if log_path.exists():
            kept.write_bytes(log_path.read_bytes())
            print(f"  the app's log: {kept}")


# --- the neighbours -------------------------------------------------------------------------


@dataclass
class Neighbour:
    email: str
    user_id: str = ""
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def setup_call(http: httpx.AsyncClient, url: str, status: int, **options: Any) -> dict:
    """A POST of the set-up, tried again while the app answers 503 (SQLite busy under load)."""
    for attempt in range(SETUP_ATTEMPTS):
        response = await http.post(url, **options)
        if response.status_code != 503 or attempt == SETUP_ATTEMPTS - 1:
            return expect(response, status)
        await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def expect(response: httpx.Response, status: int) -> dict:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
        )
    return dict(response.json())


class Mailbox:
    """The app's console mail sink (``MARKETPLACE_DATA_DIR/mail``): the confirmation links."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.links: dict[str, str] = {}
        self.read: set[Path] = set()

    async def link_for(self, address: str) -> str:
        for _attempt in range(100):
            for path in set(self.directory.glob("*.eml")) - self.read:
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                body = message.get_body(("plain",))
                found = re.search(r"/account/verify/[A-Za-z0-9_\-]+", body.get_content() if body else "")
                if found:
                    self.links[str(message["To"]).strip("<> ")] = found.group(0)
                self.read.add(path)
            for recipient, link in self.links.items():
                if address in recipient:
                    return link
            await asyncio.sleep(0.1)
        raise RuntimeError(f"no confirmation mail for {address}")


async def confirm(http: httpx.AsyncClient, link: str) -> None:
    """Follow the confirmation link as a browser does (cookies of its own): the page, its button."""
    async with httpx.AsyncClient(base_url=http.base_url, timeout=60) as browser:
        page = await browser.get(link)
        if page.status_code != 200:
            raise RuntimeError(f"confirmation page {link}: {page.status_code}")
        token = browser.cookies.get("csrftoken", "")
        response = await browser.post(link, headers={"x-csrftoken": token}, follow_redirects=False)
    if response.status_code >= 400:
        raise RuntimeError(f"confirming {link}: {response.status_code} {response.text[:300]}")


async def sign_up(
    http: httpx.AsyncClient, mailbox: Mailbox, address: str, name: str, limit: asyncio.Semaphore
) -> Neighbour:
    who = Neighbour(address)
    async with limit:
        body = {"email": address, "password": PASSWORD, "display_name": name}
        await setup_call(http, "/api/v1/auth/register", 202, json=body)
        await confirm(http, await mailbox.link_for(address))
        credentials = {"email": address, "password": PASSWORD}
        who.token = (await setup_call(http, "/api/v1/auth/tokens", 201, json=credentials))["token"]
        who.user_id = expect(await http.get("/api/v1/auth/me", headers=who.headers), 200)["id"]
        join = f"/api/v1/communities/{SLUG}/join"
        await setup_call(http, join, 201, json={"answer": ""}, headers=who.headers)
    return who


@dataclass
class Conversation:
    id: str
    author: Neighbour
    interested: Neighbour


async def open_conversations(http: httpx.AsyncClient, mailbox: Mailbox, count: int) -> list[Conversation]:
    """``count`` listings, ``LISTINGS_PER_AUTHOR`` per author, each with one interested neighbour;
    no two conversations between the same two neighbours."""
    limit = asyncio.Semaphore(SETUP_CONCURRENCY)
    authors_needed = -(-count // LISTINGS_PER_AUTHOR)
    neighbours_needed = max(LISTINGS_PER_AUTHOR, authors_needed)
    authors = await asyncio.gather(
        *(
            sign_up(http, mailbox, f"author{i}@example.org", f"Autrice {i}", limit)
            for i in range(authors_needed)
        )
    )
    interested = await asyncio.gather(
        *(
            sign_up(http, mailbox, f"voisin{i}@example.org", f"Voisin {i}", limit)
            for i in range(neighbours_needed)
        )
    )
    categories = expect(
        await http.get(f"/api/v1/communities/{SLUG}/categories", headers=authors[0].headers), 200
    )
    category_id = categories["items"][0]["id"]

    async def listing_and_interest(index: int) -> Conversation:
        author_index, listing_index = divmod(index, LISTINGS_PER_AUTHOR)
        author = authors[author_index]
        neighbour = interested[(author_index + listing_index) % len(interested)]
        async with limit:
            body = {
                "kind": "give",
                "title": f"Objet {index}",
                "description": "À donner.",
                "category_id": category_id,
            }
            listings = f"/api/v1/communities/{SLUG}/listings"
            listing = await setup_call(http, listings, 201, json=body, headers=author.headers)
            opened = await setup_call(
                http,
                f"/api/v1/listings/{listing['id']}/interest",
                201,
                json={"message": "Bonjour, je suis intéressé·e !"},
                headers=neighbour.headers,
            )
        return Conversation(opened["id"], author, neighbour)

    return list(await asyncio.gather(*(listing_and_interest(index) for index in range(count))))


# --- the streams ----------------------------------------------------------------------------


@dataclass
class Stream:
    """One neighbour's open event stream of one conversation: when each message's event arrived."""

    arrivals: dict[str, float] = field(default_factory=dict)
    waiting: dict[str, asyncio.Event] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    broken: str = ""

    async def listen(self, http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
        try:
            await self._listen(http, url, headers)
        except httpx.TransportError as error:
            self.broken = repr(error)

    async def _listen(self, http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
        async with http.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                raise RuntimeError(f"GET {url}: {response.status_code}")
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                    if event == "ready":
                        self.ready.set()
                elif line.startswith("data: ") and event == "message":
                    message_id = json.loads(line.removeprefix("data: "))["message_id"]
                    self.arrivals[message_id] = time.perf_counter()
                    if message_id in self.waiting:
                        self.waiting.pop(message_id).set()

    async def arrival_of(self, message_id: str) -> float | None:
        if message_id not in self.arrivals:
            arrived = self.waiting.setdefault(message_id, asyncio.Event())
            try:
                await asyncio.wait_for(arrived.wait(), EVENT_TIMEOUT_SECONDS)
            except TimeoutError:
                return None
        return self.arrivals[message_id]


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)  # send to the other side's stream
    posts: list[float] = field(default_factory=list)  # the POST alone
    lost: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # by status, or by connection error
    seconds: float = 0.0


async def talk(
    http: httpx.AsyncClient,
    conversation: Conversation,
    streams: dict[str, Stream],
    messages: int,
    figures: Figures,
) -> None:
    """The two neighbours take turns; each writes once the previous message reached the other."""
    for turn in range(messages):
        sender, receiver = (
            (conversation.author, conversation.interested)
            if turn % 2 == 0
            else (conversation.interested, conversation.author)
        )
        started = time.perf_counter()
        try:
            response = await http.post(
                f"/api/v1/conversations/{conversation.id}/messages",
                json={"body": f"Message {turn} : je passe vers 18 h, ça vous va ?"},
                headers=sender.headers,
            )
        except httpx.TransportError as error:
            figures.refused[type(error).__name__] = figures.refused.get(type(error).__name__, 0) + 1
            continue
        figures.posts.append(time.perf_counter() - started)
        if response.status_code != 201:
            status = str(response.status_code)
            figures.refused[status] = figures.refused.get(status, 0) + 1
            continue
        arrived = await streams[receiver.user_id].arrival_of(response.json()["id"])
        if arrived is None:
            figures.lost += 1
        else:
            figures.latencies.append(arrived - started)


async def run_scenario(base_url: str, mailbox: Mailbox, count: int, messages: int) -> Figures:
    # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes them under us.
    limits = httpx.Limits(
        max_connections=4 * count + 50, max_keepalive_connections=4 * count + 50, keepalive_expiry=2.0
    )
    timeout = httpx.Timeout(60.0, read=None)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as http:
        started = time.perf_counter()
        conversations = await open_conversations(http, mailbox, count)
        print(f"  set-up: {count} conversations opened in {time.perf_counter() - started:.1f} s", flush=True)
        streams: dict[str, dict[str, Stream]] = {}
        listeners = []
        for conversation in conversations:
            sides = streams[conversation.id] = {}
            for who in (conversation.author, conversation.interested):
                stream = sides[who.user_id] = Stream()
                url = f"/conversations/{conversation.id}/events"
                listeners.append(asyncio.create_task(stream.listen(http, url, who.headers)))
        every_stream = [stream for sides in streams.values() for stream in sides.values()]
        await asyncio.wait_for(asyncio.gather(*(stream.ready.wait() for stream in every_stream)), 120)
        print(f"  {len(every_stream)} event streams open", flush=True)
        figures = Figures()
        started = time.perf_counter()
        await asyncio.gather(
            *(
                talk(http, conversation, streams[conversation.id], messages, figures)
                for conversation in conversations
            )
        )
        figures.seconds = time.perf_counter() - started
        broken = [stream.broken for stream in every_stream if stream.broken]
        if broken:
            print(f"  {len(broken)} event stream(s) broke, the first: {broken[0]}")
        for listener in listeners:
            listener.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
    return figures


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def report(database: str, workers: int, figures: Figures, count: int, messages: int) -> None:
    sent = len(figures.posts) - sum(count for key, count in figures.refused.items() if key.isdigit())
    print(f"  {database}, {workers} app process(es): {count} conversations x {messages} messages")
    print(f"    messages delivered: {len(figures.latencies)} of {count * messages} "
          f"(lost {figures.lost}, refused {figures.refused or 0})")  # fmt: skip
    print(f"    talking phase: {figures.seconds:.1f} s, {sent / figures.seconds:.0f} messages/s")
    if figures.latencies:
        ms = [value * 1000 for value in figures.latencies]
        print(f"    send -> other side's stream: p50 {percentile(ms, 0.5):.0f} ms, "
              f"p95 {percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms")  # fmt: skip
    post_ms = [value * 1000 for value in figures.posts]
    print(f"    POST alone: p50 {statistics.median(post_ms):.0f} ms, p95 {percentile(post_ms, 0.95):.0f} ms")


def raise_open_files_limit() -> None:
    """400 streams and 200 requests at once, on both sides of the loopback."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 8192) if hard != resource.RLIM_INFINITY else 8192
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=200, help="conversations talking at once")
    parser.add_argument(
        "--messages", type=int, default=10, help="messages in each conversation, taking turns"
    )
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument("--workers", type=int, default=1, help="app processes (uvicorn --workers)")
    arguments = parser.parse_args()
    raise_open_files_limit()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s): {cpu}")
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for database in arguments.databases.split(","):
        workers = (
            arguments.workers if database == "postgresql" else 1
        )  # SQLite: the memory backend, one process
        print(f"{database}:", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-messages-") as directory:
            mailbox = Mailbox(Path(directory) / "var" / "mail")
            if database == "postgresql":
                with (
                    scratch_postgres_database("bench_messages") as url,
                    served_app(Path(directory), url, workers) as base_url,
                ):
                    figures = asyncio.run(
                        run_scenario(base_url, mailbox, arguments.conversations, arguments.messages)
                    )
            else:
                with served_app(Path(directory), None, 1) as base_url:
                    figures = asyncio.run(
                        run_scenario(base_url, mailbox, arguments.conversations, arguments.messages)
                    )
        report(database, workers, figures, arguments.conversations, arguments.messages)
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
