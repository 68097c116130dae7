"""No answer tells an outsider that a hidden object exists.

A members-only community with a listing, a photo and a category: for every route of the app's
route table with a uuid or slug path parameter, and every method of it, the answer to an
outsider (anonymous, and signed in without being a member) for the hidden object is exactly the
answer for an object that does not exist: same status, same body, same headers (but ``Date``,
``ETag`` and cookies, which change from one answer to the next anyway).

Routes that take a uuid are compared with a random uuid in its place (the community's slug
kept: its existence is public). Routes that take only the slug are compared with an unknown
slug, except what ``communities/visibility.py`` makes public by design (PUBLIC_BY_DESIGN).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from tests.stories import Board, add_photo, csrf_token, sign_in
from tests.unit.photos.conftest import photo_bytes

pytestmark = pytest.mark.anyio

HIDDEN = "entre-voisins-cache"
UNKNOWN = "groupes-sans-membre"  # as long as HIDDEN: the same Content-Length
IGNORED_HEADERS = {"date", "etag", "set-cookie"}

# A members-only community's name, description and how to join it are public (visibility.py):
# its card, its page (which shows how to join) and applying to it answer the same to everybody,
# and leaving answers about the reader's own membership. An unknown slug answers 404 there.
PUBLIC_BY_DESIGN = {
    ("GET", "/api/v1/communities/{slug:str}"),
    ("POST", "/api/v1/communities/{slug:str}/join"),
    ("POST", "/api/v1/communities/{slug:str}/leave"),
    ("GET", "/communities/{slug:str}"),
    ("GET", "/communities/{slug:str}/about"),
    ("POST", "/communities/{slug:str}/join"),
    ("POST", "/communities/{slug:str}/leave"),
    # The group's search sends an outsider to the page that says how to join, as its page does.
    ("GET", "/communities/{slug:str}/recherche"),
}


@dataclass(frozen=True)
class Hidden:
    """The ids of what the members-only community holds, by path parameter name."""

    values: dict[str, str]
    category_id: str
    photo_id: str


@pytest.fixture
async def hidden(board: Board) -> Hidden:
    await board.community(HIDDEN, visibility="members", join_policy="approval")
    mona = await board.member("mona", HIDDEN)
    listing = await board.listing(mona, HIDDEN)
    photo = await add_photo(mona, listing["id"])
    max_ = await board.member("max", HIDDEN)
    interest = await max_.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    assert interest.status_code == 201, interest.text
    conversation = interest.json()
    report = await max_.post(f"/api/v1/listings/{listing['id']}/report", json={"reason": "spam"})
    assert report.status_code == 201, report.text
    saved = await mona.post("/api/v1/saved-searches", json={"q": "lampe", "community": [HIDDEN]})
    assert saved.status_code == 201, saved.text
    (told, *_) = (await mona.get("/api/v1/notifications")).json()["items"]  # max's message
    token_id = (await mona.get("/api/v1/auth/tokens")).json()[0]["id"]
    _, _, variant, name = photo["urls"]["thumb"].removeprefix("/").split("/")
    return Hidden(
        values={
            "slug": HIDDEN,
            "listing_id": listing["id"],
            "photo_id": photo["id"],
            "category_id": listing["category_id"],
            "user_id": mona.id,
            "token_id": token_id,  # a member's API token: only its owner may revoke it
            "conversation_id": conversation["id"],  # between two members: only they may read it
            "message_id": conversation["last_message"]["id"],
            "notification_id": told["id"],  # mona's own
            "report_id": report.json()["id"],  # a report of the hidden listing: its moderators only
            "saved_search_id": saved.json()["id"],  # mona's own alert
            "variant": variant,
            "name": name,
        },
        category_id=listing["category_id"],
        photo_id=photo["id"],
    )


@dataclass
class Outsider:
    """Somebody using the test client with their own cookies (one client: one event loop)."""

    name: str
    client: AsyncTestClient[Litestar]
    csrf: str
    cookies: dict[str, str]

    async def request(self, method: str, path: str, **arguments: Any) -> Any:
        self.client.cookies.clear()
        self.client.cookies.update(self.cookies)
        response = await self.client.request(method, path, **arguments)
        # A session cookie may be renewed: the one the server just set (with its domain) wins
        # over the copy put back above (without one).
        jar = sorted(self.client.cookies.jar, key=lambda cookie: bool(cookie.domain))
        self.cookies = {cookie.name: cookie.value for cookie in jar if cookie.value is not None}
        self.client.cookies.clear()
        return response


@pytest.fixture
async def outsiders(client: AsyncTestClient[Litestar], board: Board, hidden: Hidden) -> list[Outsider]:
    """Somebody anonymous, and somebody signed in (with the browser's session) but no member."""
    olga = await board.someone("olga")
    client.cookies.clear()
    anonymous = Outsider("anonymous", client, await csrf_token(client), dict(client.cookies))
    client.cookies.clear()
    non_member = Outsider("non-member", client, await sign_in(client, olga), dict(client.cookies))
    client.cookies.clear()
    return [anonymous, non_member]


def routes_to_check(app: Litestar) -> list[tuple[str, str, dict[str, type]]]:
    """Every (method, path template, path parameters) with a uuid or a slug among its parameters."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        parameters = {name: spec.type for name, spec in route.path_parameters.items()}
        if uuid.UUID not in parameters.values() and "slug" not in parameters:
            continue
        found.extend((method, route.path, parameters) for method in sorted(route.methods))
    return found


def json_body(method: str, path: str, hidden: Hidden) -> Any:
    """A body the operation accepts, so that the answer comes from looking the object up."""
    if method in ("GET", "DELETE", "OPTIONS", "HEAD") or not path.startswith("/api/"):
        return None
    last = path.rstrip("/").rpartition("/")[2]
    return {
        "{slug:str}": {"name": "Repris"},
        "join": {"answer": "J'habite ici"},
        "reject": {"message": ""},
        "ban": {"message": ""},
        "role": {"role": "moderator"},
        "categories": {"name": "Vélos"},
        "order": {"ids": [hidden.photo_id if "/listings/" in path else hidden.category_id]},
        "{category_id:uuid}": {"name": "Repris"},
        "merge": {"into": hidden.category_id},
        "listings": {"kind": "give", "title": "Lampe", "category_id": hidden.category_id},
        "{listing_id:uuid}": {"version": 1, "title": "Piraté"},
        "status": {"status": "withdrawn", "version": 1},
        "{photo_id:uuid}": {"alt_text": "Piraté"},
        "report": {"reason": "spam"},
        "resolve": {"action": "dismiss", "reason": "Vu"},
        "{saved_search_id:uuid}": {"frequency": "off"},
    }.get(last, {})


Answer = tuple[int, str, dict[str, str]]


async def answer(
    outsider: Outsider, method: str, template: str, values: dict[str, str], hidden: Hidden
) -> Answer:
    """Status, body and headers (but those that change anyway) of one request by ``outsider``.

    The path's own values, which pages repeat (``next=``, ``Location``), read ``{name}``."""
    path = template
    for name, value in values.items():
        path = path.replace(f"{{{name}:uuid}}", value).replace(f"{{{name}:str}}", value)
    arguments: dict[str, Any] = {"headers": {"x-csrftoken": outsider.csrf}, "follow_redirects": False}
    if method in ("POST", "PUT", "PATCH"):
        if template.endswith("/photos") and template.startswith("/api/"):
            arguments["files"] = {"file": ("photo.jpg", photo_bytes("JPEG"), "image/jpeg")}
        elif template.startswith("/api/"):
            arguments["json"] = json_body(method, template, hidden)
        else:
            arguments["data"] = {"_csrf_token": outsider.csrf}
    response = await outsider.request(method, path, **arguments)
    if response.status_code in (302, 303) and not template.startswith("/api/"):
        # The next page shows (and so takes) what this answer flashed: take it now, so that it
        # does not show on the next page compared.
        await outsider.request("GET", response.headers["location"])
    used = {name: value for name, value in values.items() if f"{{{name}:" in template}

    def neutral(text: str) -> str:
        for name, value in used.items():
            text = text.replace(value, f"{{{name}}}")
        return text

    kept = {
        key: neutral(value) for key, value in response.headers.items() if key.lower() not in IGNORED_HEADERS
    }
    return response.status_code, neutral(response.text), kept


def gist(answer: Answer) -> str:
    """The status and the message of an answer (a page's ``<main>``), for the failure report."""
    status, body, headers = answer
    main = body.partition("<main")[2].partition("</main>")[0] or body
    return f"{status} {' '.join(main.split())[:300]} {headers.get('location', '')}"


async def differences(app: Litestar, hidden: Hidden, outsiders: list[Outsider]) -> tuple[int, list[str]]:
    """How many answers were compared, and those where hidden and missing differ."""
    checked, found = 0, []
    for method, template, parameters in routes_to_check(app):
        if (method, template) in PUBLIC_BY_DESIGN:
            continue
        if uuid.UUID in parameters.values():
            missing = {
                **hidden.values,
                **{n: str(uuid.uuid4()) for n, k in parameters.items() if k is uuid.UUID},
            }
        else:
            missing = {**hidden.values, "slug": UNKNOWN}
        for outsider in outsiders:
            # The same body for both (with the hidden ids): only the path differs.
            seen = await answer(outsider, method, template, hidden.values, hidden)
            unseen = await answer(outsider, method, template, missing, hidden)
            checked += 1
            if seen != unseen:
                found.append(
                    f"{outsider.name} {method} {template}:\n  hidden  {gist(seen)}\n  missing {gist(unseen)}"
                )
    return checked, found


async def test_outsiders_cannot_tell_a_hidden_object_from_a_missing_one(
    app: Litestar, hidden: Hidden, outsiders: list[Outsider]
) -> None:
    checked, found = await differences(app, hidden, outsiders)
    assert checked > 80, "the walk must reach every route with a uuid or a slug"
    assert found == [], "\n".join(found)
