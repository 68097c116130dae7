"""No page's number of SQL statements grows with the number of listings it shows (no N+1).

Each page is read with a few listings, then with many more (each with its cover photo), and the
statements the request sent to the database are counted (SQLAlchemy's cursor events): the
count must be the same. A loop that loads each listing's author, community or photo on its own
would add statements with every listing shown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.stories import SLUG, Board, Person, add_photo

pytestmark = pytest.mark.anyio

FEW, MANY = 2, 9


class Statements:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.sent.append(statement)


@contextmanager
def counted() -> Iterator[Statements]:
    statements = Statements()
    event.listen(Engine, "before_cursor_execute", statements)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", statements)


async def statements_of(who: Person, path: str) -> list[str]:
    with counted() as statements:
        response = await who.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return statements.sent


async def post_with_cover(board: Board, author: Person, number: int) -> dict[str, Any]:
    listing = await board.listing(author, title=f"Lampe {number}", kind="give")
    await add_photo(author, listing["id"])
    return listing


async def test_no_page_sends_more_statements_for_more_listings(board: Board) -> None:
    await board.community()
    nadia = await board.member("nadia")
    karim = await board.member("karim")
    first = [await post_with_cover(board, nadia, number) for number in range(FEW)]
    pages = (
        "/",
        f"/communities/{SLUG}",
        f"/communities/{SLUG}?page=1&kind=give",
        "/my/listings",
        f"/api/v1/communities/{SLUG}/listings",
        "/api/v1/me/listings",
        f"/listings/{first[0]['id']}",
    )
    few = {path: await statements_of(nadia, path) for path in pages}
    few["/communities (karim)"] = await statements_of(karim, f"/communities/{SLUG}")
    for number in range(FEW, MANY):
        await post_with_cover(board, nadia, number)
    many = {path: await statements_of(nadia, path) for path in pages}
    many["/communities (karim)"] = await statements_of(karim, f"/communities/{SLUG}")
    grown = {path: (len(few[path]), len(many[path])) for path in few if len(many[path]) > len(few[path])}
    assert not grown, f"statements grew with the listings shown (few, many): {grown}"
