"""A forged request cannot ride on a browser's session, whatever shape its cookies or body take.

Every state-changing route of the app's route table is tried with a signed-in browser's session
cookie and no CSRF token: odd cookies beside the session (a space or quotes in another value,
the session twice), and the bodies an HTML form on another site can send (``text/plain``,
form-encoded) besides JSON. None may succeed or change anything.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from marketplace.db.base import metadata
from marketplace.web.middleware import STATE_CHANGING_METHODS
from tests.stories import Board, Person, add_photo, sign_in

pytestmark = pytest.mark.anyio

STORE_TABLE = "kv_store"  # sessions and throttle counters: read and touched by every request


def cookie_shapes(session: str, csrf: str) -> dict[str, str]:
    """Cookie headers a browser (or a sibling site's cookies) may send, each carrying the session."""
    return {
        "plain": f"csrftoken={csrf}; session={session}",
        "space in another value": f"theme=dark mode; csrftoken={csrf}; session={session}",
        "quotes in another value": f'note="a b"; csrftoken={csrf}; session={session}',
        "quoted session": f'csrftoken={csrf}; session="{session}"',
        "empty session first": f"session=; csrftoken={csrf}; session={session}",
        "null session first": f"session=null; csrftoken={csrf}; session={session}",
        "no csrf cookie": f"theme=dark mode; session={session}",
    }


BODIES: dict[str, tuple[str | None, bytes]] = {
    "text/plain": ("text/plain", b'{"status": "withdrawn", "reason": "x"}'),
    "form": ("application/x-www-form-urlencoded", b"status=withdrawn&reason=x&title=Pirate"),
    "json": ("application/json", b'{"status": "withdrawn", "reason": "x"}'),
    "empty": (None, b""),
}


def state_changing_routes(app: Litestar) -> list[tuple[str, HTTPRoute]]:
    found = [
        (method, route)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        for method in sorted(set(handler.http_methods) & STATE_CHANGING_METHODS)
    ]
    return sorted(found, key=lambda pair: (pair[1].path, pair[0]))


def concrete_path(route: HTTPRoute, values: dict[str, str]) -> str:
    path = route.path
    for name, parameter in route.path_parameters.items():
        value = values.get(name, str(uuid.uuid4()) if parameter.type is uuid.UUID else "x")
        path = path.replace("{" + parameter.full + "}", value)
    return path


async def snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table but the session store, to tell whether anything changed."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                table.name: sorted(repr(tuple(row)) for row in await connection.execute(select(table)))
                for table in metadata.sorted_tables
                if table.name != STORE_TABLE
            }
    finally:
        await engine.dispose()


async def story(board: Board) -> tuple[Person, dict[str, str]]:
    """Alice runs a community, with a listing, a photo, a category and a pending member."""
    await board.community(join_policy="approval")
    alice = await board.member("alice", role="admin")
    bob = await board.someone("bob")
    joined = await bob.post("/api/v1/communities/vide-grenier-test/join", json={"answer": "Rue des Pyrénées"})
    assert joined.status_code == 201, joined.text
    listing = await board.listing(alice)
    photo = await add_photo(alice, listing["id"])
    tokens = await alice.get("/api/v1/auth/tokens")
    assert tokens.status_code == 200, tokens.text
    values = {
        "slug": "vide-grenier-test",
        "listing_id": listing["id"],
        "photo_id": photo["id"],
        "category_id": await board.category_id("Maison"),
        "user_id": bob.id,
        "token_id": tokens.json()[0]["id"],
    }
    return alice, values


async def forged(
    client: AsyncTestClient[Litestar], method: str, path: str, cookie: str, body: tuple[str | None, bytes]
) -> Any:
    content_type, content = body
    headers = {"cookie": cookie, **({"content-type": content_type} if content_type else {})}
    return await client.request(method, path, content=content, headers=headers, follow_redirects=False)


async def test_no_state_changing_route_accepts_a_session_without_csrf_token(
    client: AsyncTestClient[Litestar], app: Litestar, board: Board
) -> None:
    alice, values = await story(board)
    session, csrf = await browser_session(client, alice)
    # Litestar does read the session under each of these shapes: the attempts below are real.
    for name, cookie in cookie_shapes(session, csrf).items():
        me = await client.get("/api/v1/auth/me", headers={"cookie": cookie})
        assert me.status_code == 200 and me.json()["email"] == alice.email, (name, me.text)

    before = await snapshot(app.state.settings.database.url)
    accepted = []
    routes = state_changing_routes(app)
    assert len(routes) > 40  # the walk found the app's routes, not an empty table
    for method, route in routes:
        path = concrete_path(route, values)
        shapes = cookie_shapes(session, csrf)
        attempts = [(name, cookie, BODIES["text/plain"]) for name, cookie in shapes.items()]
        attempts += [(f"plain, {body_name}", shapes["plain"], body) for body_name, body in BODIES.items()]
        for name, cookie, body in attempts:
            response = await forged(client, method, path, cookie, body)
            if response.status_code < 400:
                accepted.append(f"{method} {route.path} [{name}] -> {response.status_code}")
        if (await client.get("/api/v1/auth/me", headers={"cookie": shapes["plain"]})).status_code != 200:
            # A forged logout went through: sign in again, so that the next routes are tried too.
            accepted.append(f"{method} {route.path} ended the session")
            session, csrf = await browser_session(client, alice)
    assert accepted == []
    assert await snapshot(app.state.settings.database.url) == before


async def browser_session(client: AsyncTestClient[Litestar], who: Person) -> tuple[str, str]:
    """``who`` signed in with the login form: their session and CSRF cookies, and an empty jar,
    so that each forged request sends exactly the Cookie header it is given."""
    client.cookies.clear()
    await sign_in(client, who)
    session, csrf = client.cookies["session"], client.cookies["csrftoken"]
    client.cookies.clear()
    return session, csrf


async def test_listing_status_with_a_space_in_another_cookie_needs_the_csrf_token(
    client: AsyncTestClient[Litestar], board: Board
) -> None:
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice)
    session, csrf = await browser_session(client, alice)
    url = f"/api/v1/listings/{listing['id']}/status"
    cookie = f"theme=dark mode; csrftoken={csrf}; session={session}"
    refused = await client.post(url, json={"status": "withdrawn"}, headers={"cookie": cookie})
    assert refused.status_code == 403, refused.text
    allowed = await client.post(
        url, json={"status": "withdrawn"}, headers={"cookie": cookie, "x-csrftoken": csrf}
    )
    assert allowed.status_code == 200, allowed.text


async def test_api_refuses_a_body_that_is_not_json_even_with_a_bearer_token(board: Board) -> None:
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice)
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        response = await alice.client.post(
            f"/api/v1/listings/{listing['id']}/status",
            content=b'{"status": "withdrawn"}',
            headers={**alice.headers, "content-type": content_type},
        )
        assert response.status_code == 415, (content_type, response.text)
        assert "JSON" in response.json()["detail"]
    assert (await alice.get(f"/api/v1/listings/{listing['id']}")).json()["status"] == "available"


async def test_photo_upload_still_takes_multipart(board: Board) -> None:
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice)
    photo = await add_photo(alice, listing["id"])
    assert photo["id"]


def test_no_module_parses_cookies_with_another_parser_than_litestars() -> None:
    """SimpleCookie drops a whole Cookie header that Litestar reads: a check built on it sees
    no session where the app loads one."""
    root = Path(__file__).resolve().parents[2] / "marketplace"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(
            use in path.read_text(encoding="utf-8")
            for use in ("SimpleCookie(", "import http.cookies", "from http.cookies")
        )
    ]
    assert offenders == []
