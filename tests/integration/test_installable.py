"""The site installs on a phone: its manifest, icons, service worker and offline page, and the
static files under fingerprinted names.

None of this reads the database: one app serves the whole module, on a scratch SQLite file.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from marketplace.app import create_app
from marketplace.settings import DatabaseSettings, load_settings
from marketplace.web.assets import StaticAssets

SHARE_TARGET = {
    "action": "/share-target",
    "method": "POST",
    "enctype": "multipart/form-data",
    "params": {
        "title": "title",
        "text": "text",
        "url": "url",
        "files": [{"name": "photos", "accept": ["image/*", ".heic", ".heif"]}],
    },
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient[Litestar]]:
    scratch = tmp_path_factory.mktemp("installable")
    settings = dataclasses.replace(
        load_settings(),
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{scratch / 'unused.db'}"),
        run_worker_in_app=False,
    )
    with TestClient(app=create_app(settings), base_url="http://testserver.local") as test_client:
        yield test_client


def assets_of(client: TestClient[Litestar]) -> StaticAssets:
    assets: StaticAssets = client.app.state.assets
    return assets


def css_variable(name: str) -> str:
    css = (Path(load_settings().static_dir) / "site.css").read_text()
    found = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", css)
    assert found, f"--{name} not in site.css"
    return found.group(1).lower()


class Links(HTMLParser):
    """The ``<link>`` and ``<script src>`` of a page, and whether it has a form."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.scripts: list[str] = []
        self.metas: dict[str, str] = {}
        self.forms = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "link":
            self.links.append(found)
        elif tag == "script" and "src" in found:
            self.scripts.append(found["src"])
        elif tag == "meta" and "name" in found:
            self.metas[found["name"]] = found.get("content", "")
        elif tag == "form":
            self.forms += 1


def test_manifest_declares_the_app_its_colours_and_its_share_target(client: TestClient[Litestar]) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] and manifest["short_name"] and len(manifest["short_name"]) <= 15
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert manifest["lang"] == "fr"
    assert manifest["theme_color"] == css_variable("accent")
    assert manifest["background_color"] == css_variable("paper")
    assert manifest["share_target"] == SHARE_TARGET
    purposes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes


def test_manifest_icons_are_pngs_of_their_stated_sizes(client: TestClient[Litestar]) -> None:
    manifest = client.get("/manifest.webmanifest").json()
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        image = Image.open(BytesIO(response.content))
        assert image.format == "PNG"
        assert "x".join(map(str, image.size)) == icon["sizes"]
        corner = image.convert("RGBA").getpixel((0, 0))
        assert isinstance(corner, tuple)
        if icon["purpose"] == "maskable":
            assert corner[3] == 255, "a maskable icon fills its whole square"
        else:
            assert corner[3] == 0, "the rounded corners of an ordinary icon are transparent"


def test_service_worker_is_served_from_the_root_for_the_whole_site(client: TestClient[Litestar]) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert "no-cache" in response.headers["cache-control"]  # a new deploy's worker is seen at once
    register = client.get(assets_of(client).url("install.js")).text
    assert 'register("/sw.js", { scope: "/" })' in register


def test_service_worker_keeps_the_offline_page_and_its_files_and_nothing_else(
    client: TestClient[Litestar],
) -> None:
    script = client.get("/sw.js").text
    declared = re.search(r"const OFFLINE_ASSETS = (\[.*?\]);", script)
    assert declared, "the server fills in the offline page's files"
    kept = json.loads(declared.group(1))
    page = Links()
    page.feed(client.get("/offline").text)
    loaded = [link["href"] for link in page.links] + page.scripts
    assert sorted(kept) == sorted(loaded), "exactly what the offline page loads"
    for url in kept:
        assert client.get(url).status_code == 200, url
    # One place adds to a cache, at install time: the offline page (as anybody sees it) and those files.
    assert script.count("addAll(") == 1
    assert 'cache.addAll([new Request(OFFLINE_URL, { credentials: "omit" }), ...OFFLINE_ASSETS])' in script
    assert ".put(" not in script, "no runtime caching of pages, API answers or photos"
    assert re.search(r"caches\.match\(OFFLINE_URL", script), "a failed navigation shows the offline page"
    assert "__" not in script, "every placeholder filled in"


def test_offline_page_needs_no_account_and_loads_only_what_is_kept(client: TestClient[Litestar]) -> None:
    response = client.get("/offline")
    assert response.status_code == 200
    assert "Vous êtes hors ligne" in response.text
    page = Links()
    page.feed(response.text)
    assert page.metas["description"]
    assert page.forms == 0 and "csrf" not in response.text.lower()
    assert page.scripts == []
    assets = assets_of(client)
    assert {link["href"] for link in page.links if link["rel"] == "stylesheet"} == {assets.url("site.css")}


def test_fingerprinted_static_url_is_cached_forever_and_the_plain_one_still_works(
    client: TestClient[Litestar],
) -> None:
    url = assets_of(client).url("site.css")
    assert re.fullmatch(r"/static/site\.[0-9a-f]{12}\.css", url)
    fingerprinted = client.get(url)
    assert fingerprinted.status_code == 200
    assert fingerprinted.headers["content-type"].startswith("text/css")
    cache = fingerprinted.headers["cache-control"]
    assert "immutable" in cache and "max-age=31536000" in cache and "public" in cache
    plain = client.get("/static/site.css")
    assert plain.status_code == 200
    assert plain.content == fingerprinted.content
    assert "immutable" not in plain.headers["cache-control"]
    assert "max-age=300" in plain.headers["cache-control"]
    # A fingerprint another process gave out (a rolling deploy): the file as it is, briefly cached.
    other = client.get("/static/site.000000000000.css")
    assert other.status_code == 200 and other.content == plain.content
    assert "immutable" not in other.headers["cache-control"]
    assert client.get("/static/nothing.000000000000.css").status_code == 404
    assert client.get("/static/%2e%2e/settings.py").status_code == 404


def test_favicon_answers_at_the_root_as_browsers_ask_for_it(client: TestClient[Litestar]) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert Image.open(BytesIO(response.content)).format == "ICO"
