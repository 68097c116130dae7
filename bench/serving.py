"""The real app served for a bench: ``marketplace run`` on a free loopback port, in its own process.

What a neighbour's browser reaches (uvicorn, the middlewares, the database), measured from
another process over HTTP, rather than the app called in process by a test client."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

START_TIMEOUT_SECONDS = 120
POSTGRES_ADMIN_URL = os.environ.get(
    "MARKETPLACE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def marketplace_command() -> str:
    """The ``marketplace`` entry point beside this Python (the project's virtual environment)."""
    return str(Path(sys.executable).with_name("marketplace"))


def app_environment(directory: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without its own ``MARKETPLACE_*`` and ``MEILISEARCH_*`` settings,
    pointed at ``directory`` (data and media) and ``database_url`` (else SQLite in the data dir)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MARKETPLACE_", "MEILISEARCH_"))
    }
    environment |= {
        "MARKETPLACE_DATA_DIR": str(directory / "var"),
        "MARKETPLACE_MEDIA_ROOT": str(directory / "media"),
        "MARKETPLACE_SECRET_KEY": secrets.token_urlsafe(48),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    if database_url:
        environment["MARKETPLACE_DATABASE_URL"] = database_url
    return environment


def kept_postgres_database(name: str) -> tuple[str, bool]:
    """A database of that name on the local server, made if missing and kept; its SQLAlchemy URL
    and whether it was just made."""

    async def ensure() -> bool:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            if await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                return False
            await connection.execute(f'CREATE DATABASE "{name}"')
            return True
        finally:
            await connection.close()

    made = asyncio.run(ensure())
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}", made


@contextmanager
def in_environment(environment: Mapping[str, str]) -> Iterator[None]:
    """This process's environment set to ``environment`` for the block (``load_settings`` reads
    it), as it was afterwards."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environment)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def scratch_postgres_database(prefix: str) -> Iterator[str]:
    """A database of its own on the local server, dropped afterwards; yields its SQLAlchemy URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        yield f"{base}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass(frozen=True)
class Served:
    pid: int
    base_url: str


@contextmanager
def serving(
    command: Sequence[str], port: int, environment: Mapping[str, str], log_path: Path
) -> Iterator[Served]:
    """``command`` (something that serves the app on ``port``) until the block ends, once ``/ready``
    answers. On failure, the end of its log is printed; at the end, a Ctrl-C as uvicorn expects."""
    log = log_path.open("wb")
    server = subprocess.Popen(list(command), env=dict(environment), stdout=log, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if httpx.get(base_url + "/ready", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start: see {log_path}")
            time.sleep(0.2)
        yield Served(server.pid, base_url)
    except BaseException:
        log.flush()
        print(f"the app's log ends with:\n{''.join(log_path.read_text().splitlines(True)[-40:])}")
        raise
    finally:
        server.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown, like Ctrl-C
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@contextmanager
def running_app(environment: Mapping[str, str], log_path: Path, workers: int = 1) -> Iterator[str]:
    """``marketplace run`` with ``environment`` until the block ends; yields its base URL.

    The database must be migrated already."""
    port = free_port()
    serve = ["run", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with serving([marketplace_command(), *serve], port, environment, log_path) as served:
        yield served.base_url
