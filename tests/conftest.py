"""Fixtures that build a user story quickly, on SQLite and on PostgreSQL.

Integration tests run once per database backend. Each backend's database is created fresh for
the run and migrated once with Alembic; tables are emptied between tests.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("MARKETPLACE_DATA_DIR", tempfile.mkdtemp(prefix="marketplace-test-"))
os.environ["MARKETPLACE_PASSWORD_HASHING"] = "fast"  # argon2id with tiny costs: see accounts/passwords.py

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from marketplace.app import create_app
from marketplace.db.base import metadata
from marketplace.db.migrate import upgrade
from marketplace.settings import DatabaseSettings, MediaSettings, Settings, load_settings
from tests.meilisearch_server import MeilisearchServer, meilisearch_binary, running_meilisearch
from tests.stories import PASSWORD, Board, Person, PersonFactory, csrf_token, registration

# Some test modules import these from here rather than from tests/stories.py.
__all__ = ["PASSWORD", "Person", "csrf_token"]

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "MARKETPLACE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def unavailable(reason: str) -> None:
    """In CI a missing service fails the run; on a laptop it is a clear skip."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys last: they are the slowest, and the quick feedback comes first."""
    items.sort(key=lambda item: "tests/browser/" in str(item.path).replace("\\", "/"))


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def meilisearch_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeilisearchServer]:
    """One real Meilisearch 1.21 for the whole run (its own database, a free port, a master key).

    Give each index a uid of its own: ``meilisearch_server.unique_uid("listings")``."""
    binary = meilisearch_binary()
    if binary is None:
        unavailable("Meilisearch 1.21 not found: run scripts/install-meilisearch or set MEILISEARCH_BIN")
        return
    with running_meilisearch(binary, tmp_path_factory.mktemp("meilisearch")) as server:
        yield server


def _create_postgres_database() -> tuple[str, str]:
    import asyncio

    import asyncpg  # type: ignore[import-untyped]

    name = f"marketplace_test_{uuid.uuid4().hex[:10]}"

    async def create() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return name, f"{base}/{name}"


def _drop_postgres_database(name: str) -> None:
    import asyncio

    import asyncpg

    async def drop() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(drop())


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database of each backend, for the whole run."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'marketplace.db'}"
        upgrade(url)
        yield url
        return
    try:
        name, url = _create_postgres_database()
    except Exception as error:  # no server, refused connection, no permission
        unavailable(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {error}")
    try:
        upgrade(url)
        yield url
    finally:
        _drop_postgres_database(name)


async def _empty_tables(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            tables = [table.name for table in reversed(metadata.sorted_tables)]
            if url.startswith("postgresql"):
                # Connections left open by earlier tests' apps must not hold a lock TRUNCATE waits on.
                await connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                await connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            else:
                for table in tables:
                    await connection.execute(text(f"DELETE FROM {table}"))
    finally:
        await engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    base = load_settings()
    return dataclasses.replace(
        base,
        database=DatabaseSettings(url=database_url),
        media=MediaSettings(root=tmp_path / "media"),
        run_worker_in_app=False,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    await _empty_tables(settings.database.url)
    yield create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


# --- user stories, driven through the public API: see tests/stories.py ---------------------


@pytest.fixture
def person(client: AsyncTestClient[Litestar], app: Litestar) -> PersonFactory:
    """``await person("alice", admin=True)`` registers somebody and gives them a token."""
    return registration(client, app)


@pytest.fixture
def board(person: PersonFactory) -> Board:
    return Board(person)


@pytest.fixture
async def root(board: Board) -> Person:
    """The site admin who creates the communities (the board's own "root")."""
    return await board.root()
