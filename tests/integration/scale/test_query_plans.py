"""The pages that list listings never read the whole listing table: their plans use indexes.

With 100,000 listings, most of them over, a query that scans the table costs tens of
milliseconds on every page view. Each page below is requested, every statement it sends that
reads ``listing`` is captured with its parameters (SQLAlchemy's cursor events), and the
database is asked for its plan of that very statement: ``EXPLAIN QUERY PLAN`` on SQLite, where
a ``SCAN listing`` without an index is a full scan; ``EXPLAIN`` on PostgreSQL with sequential
scans priced out (``enable_seqscan = off``), so that a ``Seq Scan on listing`` left in the plan
means no index could answer (on a table this small the planner would otherwise prefer a
sequential scan whatever the indexes); SQLite, likewise, without the statistics of such small
tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import create_async_engine

from marketplace.settings import Settings
from tests.stories import SLUG, Board, Person, add_photo

pytestmark = pytest.mark.anyio

READS_LISTINGS = re.compile(r"\b(FROM|JOIN)\s+listing\b", re.IGNORECASE)
SQLITE_FULL_SCAN = re.compile(r"^SCAN listing\b(?!.*\bUSING (COVERING )?INDEX\b)")
POSTGRES_FULL_SCAN = re.compile(r"Seq Scan on listing\b")


class Captured:
    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and READS_LISTINGS.search(statement):
            self.statements.append((statement, parameters))


@contextmanager
def captured() -> Iterator[Captured]:
    listener = Captured()
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        yield listener
    finally:
        event.remove(Engine, "before_cursor_execute", listener)


async def full_scans(settings: Settings, statements: list[tuple[str, Any]]) -> list[str]:
    """The plan lines that read all of ``listing``, with the statement they belong to."""
    url = settings.database.url
    postgres = url.startswith("postgresql")
    engine = create_async_engine(url)
    found = []
    try:
        async with engine.connect() as connection:
            if postgres:
                await connection.exec_driver_sql("SET enable_seqscan = off")
            elif await connection.scalar(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")):
                # The statistics of tables of a few rows (the worker's ANALYZE job may have run on
                # this shared database) make any scan the cheaper plan, as PostgreSQL's sequential
                # scans are without enable_seqscan: forgotten for this connection (rolled back at
                # the end), so that the plan says whether an index can answer.
                await connection.exec_driver_sql("DELETE FROM sqlite_stat1")
                await connection.exec_driver_sql("ANALYZE sqlite_schema")
            for statement, parameters in statements:
                prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
                rows = (await connection.exec_driver_sql(prefix + statement, parameters)).all()
                lines = [str(row[0] if postgres else row[-1]).strip() for row in rows]
                pattern = POSTGRES_FULL_SCAN if postgres else SQLITE_FULL_SCAN
                found += [f"{line}\n    in: {statement[:400]}" for line in lines if pattern.search(line)]
    finally:
        await engine.dispose()
    return found


async def plans_of(settings: Settings, who: Person, path: str) -> list[str]:
    with captured() as listener:
        response = await who.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    assert listener.statements, f"{path} read no listing: the test would prove nothing"
    return await full_scans(settings, listener.statements)


async def test_listing_pages_use_indexes_rather_than_scanning_every_listing(
    board: Board, settings: Settings
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    anonymous = await board.someone("visitor")
    listings = [await board.listing(nadia, title=f"Lampe {number}", kind="give") for number in range(3)]
    await add_photo(nadia, listings[0]["id"])
    pages = {
        "home": (anonymous, "/"),
        "group page": (anonymous, f"/communities/{SLUG}"),
        "group page, deep, filtered": (anonymous, f"/communities/{SLUG}?page=3&kind=give"),
        "browse API": (anonymous, f"/api/v1/communities/{SLUG}/listings?page=2"),
        "listing page": (anonymous, f"/listings/{listings[1]['id']}"),
        "my listings": (nadia, "/my/listings"),
        "my listings API": (nadia, "/api/v1/me/listings"),
    }
    scans = {name: await plans_of(settings, who, path) for name, (who, path) in pages.items()}
    assert not any(scans.values()), "full scans of listing:\n" + "\n".join(
        f"- {name}: {line}" for name, lines in scans.items() for line in lines
    )
