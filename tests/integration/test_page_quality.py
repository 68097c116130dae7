"""What makes the pages good to find, share and load: a description and the icons on every page,
Open Graph tags for the listings of public groups (and none for members-only ones), compressed
public HTML and static files, and neither a signed-in page nor a live event stream compressed."""

from __future__ import annotations

import socket
from html.parser import HTMLParser
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.app import create_app
from marketplace.settings import Settings
from tests.stories import PASSWORD, Board, add_photo

pytestmark = pytest.mark.anyio


class Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}
        self.properties: dict[str, str] = {}
        self.rels: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "meta" and "name" in found:
            self.names[found["name"]] = found.get("content", "")
        elif tag == "meta" and "property" in found:
            self.properties[found["property"]] = found.get("content", "")
        elif tag == "link":
            self.rels.setdefault(found.get("rel", ""), []).append(found.get("href", ""))


def head_of(html: str) -> Head:
    head = Head()
    head.feed(html)
    return head


async def test_pages_have_a_description_and_icons_and_a_public_listing_shares_its_cover(
    board: Board, client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    await board.community("vide-grenier")
    alice = await board.member("alice", "vide-grenier")
    listing = await board.listing(alice, "vide-grenier", title="Poussette canne", kind="give")
    await add_photo(alice, listing["id"])
    anonymous = [
        "/",
        "/communities",
        "/communities/vide-grenier",
        "/communities/vide-grenier/about",
        "/recherche?q=poussette",
        "/recherche?q=introuvable",
        "/login",
        "/register",
        "/offline",
        "/nulle-part",
    ]
    for path in anonymous:
        response = await client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        head = head_of(response.text)
        assert head.names.get("description", "").strip(), path
        assert head.rels.get("icon"), path
        if path != "/offline":  # the offline page is shown in place of another
            assert head.rels.get("manifest") == ["/manifest.webmanifest"], path
        assert not head.properties, f"Open Graph tags are for listings only: {path}"

    response = await client.get(f"/listings/{listing['id']}")  # as a link preview bot: no account
    head = head_of(response.text)
    assert head.names["description"] == "Fonctionne bien."  # the listing's own words
    og = head.properties
    base = settings.mail.base_url
    assert og["og:title"] == "Poussette canne · Gratuit"
    assert og["og:description"] == "Fonctionne bien."
    assert og["og:type"] == "website"
    assert og["og:url"] == f"{base}/listings/{listing['id']}"
    assert og["og:site_name"] and og["og:locale"] == "fr_FR"
    assert og["og:image"].startswith(f"{base}/photos/") and "/large/" in og["og:image"]
    cover = await client.get(og["og:image"].removeprefix(base))
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/webp"

    bare = await board.listing(alice, "vide-grenier", title="Tabouret", kind="give")  # no photo
    og = head_of((await client.get(f"/listings/{bare['id']}")).text).properties
    assert og["og:image"] == base + client.app.state.assets.url("icon-512.png")  # the site's icon


async def test_members_only_listing_has_no_open_graph_tags(
    board: Board, client: AsyncTestClient[Litestar]
) -> None:
    await board.community("entre-nous", visibility="members", join_policy="approval")
    alice = await board.member("alice", "entre-nous")
    listing = await board.listing(alice, "entre-nous", title="Lit parapluie")
    await add_photo(alice, listing["id"])

    response = await alice.get(f"/listings/{listing['id']}")  # a member sees it, with its photo
    assert response.status_code == 200 and "Lit parapluie" in response.text and "/photos/" in response.text
    assert 'property="og:' not in response.text
    assert 'rel="canonical"' not in response.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_public_html_is_compressed_but_not_a_session_page_a_tiny_answer_or_a_live_stream(
    board: Board, settings: Settings
) -> None:
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    listing = await board.listing(alice)
    conversation = (
        await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour"})
    ).json()

    # Served by uvicorn, as in production: the in-process test client buffers a response whole.
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    gzip_only = {"accept-encoding": "gzip"}
    answers: dict[str, httpx.Response] = {}
    stream_start: dict[str, Any] = {}
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                await anyio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for name, path in (
                ("home", "/"),
                ("health", "/health"),
                ("icon", app.state.assets.url("icon-512.png")),
                ("missing", "/nulle-part"),
            ):
                answers[name] = await http.get(path, headers=gzip_only)
            # A browser signed in with the login form: its session cookie rides on every request.
            await http.get("/login")
            signed_in = await http.post(
                "/login",
                data={"email": alice.email, "password": PASSWORD, "_csrf_token": http.cookies["csrftoken"]},
            )
            assert signed_in.status_code == 303, signed_in.text
            answers["session home"] = await http.get("/", headers=gzip_only)
            answers["session css"] = await http.get(app.state.assets.url("site.css"), headers=gzip_only)
            http.cookies.clear()
            url = f"/conversations/{conversation['id']}/events"
            async with http.stream("GET", url, headers={**alice.headers, **gzip_only}) as stream:
                stream_start["headers"] = stream.headers
                with anyio.fail_after(10):
                    async for chunk in stream.aiter_raw():  # the bytes as sent, not decoded
                        stream_start["first"] = chunk
                        break
        server.should_exit = True

    home = answers["home"]
    assert home.status_code == 200 and "Lampe de bureau" in home.text
    assert home.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in home.headers["vary"].lower()
    assert "content-encoding" not in answers["health"].headers  # a few bytes: not worth a gzip header
    assert "content-encoding" not in answers["icon"].headers  # a PNG is compressed already
    assert answers["missing"].status_code == 404 and "content-encoding" not in answers["missing"].headers
    # A signed-in page holds the session's secrets beside what a request repeats (BREACH); the
    # static files hold none.
    assert "Se déconnecter" in answers["session home"].text
    assert "content-encoding" not in answers["session home"].headers
    assert answers["session css"].headers["content-encoding"] == "gzip"
    assert stream_start["headers"]["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in stream_start["headers"]
    assert stream_start["first"].startswith(b"event: ready")  # at once, not held in a compressor
