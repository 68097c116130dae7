"""When the database goes away: a clear 503 with ``Retry-After``, never a 500 page with a trace;
when it comes back (or drops the app's connections), requests answer normally again."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from marketplace.app import create_app
from marketplace.settings import DatabaseSettings, Settings
from tests.stories import Board

pytestmark = pytest.mark.anyio

OUTAGE_MESSAGE = "momentanément indisponible"


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once the socket is closed


def _unreachable(settings: Settings, tmp_path: Path) -> Settings:
    if settings.database.is_sqlite:
        url = f"sqlite+aiosqlite:///{tmp_path / 'no-such-directory' / 'marketplace.db'}"
    else:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/marketplace"
    return dataclasses.replace(settings, database=DatabaseSettings(url=url))


async def _terminate_app_connections(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


@pytest.mark.parametrize("path", ["/api/v1/communities", "/", "/communities/vide-grenier-test"])
async def test_unreachable_database_answers_503_with_retry_after(
    settings: Settings, tmp_path: Path, path: str
) -> None:
    app = create_app(_unreachable(settings, tmp_path))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        response = await client.get(path)
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    assert OUTAGE_MESSAGE in response.text
    assert "Traceback" not in response.text
    if path.startswith("/api/"):
        assert response.json()["status_code"] == 503
    else:
        assert "text/html" in response.headers["content-type"]


async def test_unreachable_database_makes_a_form_post_answer_503_too(
    settings: Settings, tmp_path: Path
) -> None:
    app = create_app(_unreachable(settings, tmp_path))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        response = await client.post(
            "/api/v1/auth/tokens", json={"email": "nadia@example.org", "password": "x" * 12}
        )
    assert response.status_code == 503, response.text
    assert "retry-after" in response.headers


# Server connections to terminate exist on PostgreSQL only: this story runs there alone.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_terminated_connections_are_replaced_and_no_request_fails_with_500(
    settings: Settings, app: Litestar, client: AsyncTestClient[Litestar], board: Board
) -> None:
    community = await board.community()
    nadia = await board.member("nadia")
    await board.listing(nadia)
    paths = [
        "/api/v1/communities",
        f"/api/v1/communities/{community['slug']}/listings",
        "/",
        f"/communities/{community['slug']}",
    ]

    async def load(rounds: int) -> list[int]:
        statuses: list[int] = []
        for _ in range(rounds):
            answers = await asyncio.gather(*(nadia.get(path) for path in paths))
            statuses.extend(answer.status_code for answer in answers)
        return statuses

    before = await load(2)
    during, terminated = await asyncio.gather(load(3), _terminate_app_connections(settings.database.url))
    assert terminated > 0  # the app held pooled connections, now dead
    await _terminate_app_connections(settings.database.url)  # the pool is full of dead ones again
    after = await load(2)

    assert set(before) == {200}
    assert all(status in (200, 503) for status in during), during  # 503 if killed mid-query
    assert set(after) == {200}, after  # pre-ping replaced every dead connection
