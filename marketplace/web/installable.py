"""What makes the site installable on a phone: its web app manifest, its service worker (an
offline page and nothing more, see static/sw.js), the offline page itself and the favicon that
browsers ask the site's root for."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.response import File, Template

from marketplace.web.assets import SHORT, StaticAssets
from marketplace.web.i18n import gettext as _
from marketplace.web.templating import render

# site.css's --accent (the browser's bar, the splash screen's icon) and --paper (the splash screen).
THEME_COLOR = "#0b6e4f"
BACKGROUND_COLOR = "#fbfaf7"
OFFLINE_TEMPLATE = "offline.html"
REVALIDATE = CacheControlHeader(no_cache=True)  # a new deploy's worker is picked up at once


def offline_assets(assets: StaticAssets) -> list[str]:
    """What the offline page loads, under the names it loads them by."""
    return [assets.url("site.css"), assets.url("favicon.svg"), assets.url("favicon.ico")]


@lru_cache(maxsize=8)
def service_worker_script(assets: StaticAssets, templates_dir: Path) -> str:
    """static/sw.js with its offline files filled in. Its cache's name changes with them and
    with the offline page's template, so that a deploy which changes either installs afresh."""
    files = offline_assets(assets)
    offline_page = (templates_dir / OFFLINE_TEMPLATE).read_bytes()
    version = hashlib.sha256(json.dumps(files).encode() + offline_page).hexdigest()[:12]
    source = (assets.directory / "sw.js").read_text(encoding="utf-8")
    return source.replace("__VERSION__", version).replace("__OFFLINE_ASSETS__", json.dumps(files))


def web_app_manifest(assets: StaticAssets) -> dict[str, Any]:
    return {
        "id": "/",
        "name": "Entre voisins du 20e",
        "short_name": "Voisins du 20e",
        "description": "Donner, échanger et vendre entre voisins du 20e arrondissement : "
        "le vide-grenier et le vide-dressing bébé/enfant du collectif.",
        "lang": "fr",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["shopping", "lifestyle"],
        "icons": [
            {"src": assets.url("icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": assets.url("icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": assets.url("icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        # Android's share sheet: photos or a link shared from another app become a new listing.
        "share_target": {
            "action": "/share-target",
            "method": "POST",
            "enctype": "multipart/form-data",
            "params": {
                "title": "title",
                "text": "text",
                "url": "url",
                "files": [{"name": "photos", "accept": ["image/*", ".heic", ".heif"]}],
            },
        },
    }


def _assets(request: Request[Any, Any, Any]) -> StaticAssets:
    assets: StaticAssets = request.app.state.assets
    return assets


class InstallablePages(Controller):
    include_in_schema = False

    @get("/manifest.webmanifest", sync_to_thread=False, cache_control=SHORT)
    def manifest(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        body = msgspec.json.encode(web_app_manifest(_assets(request)))
        return Response(body, media_type="application/manifest+json")

    @get("/sw.js", sync_to_thread=False, cache_control=REVALIDATE)
    def service_worker(self, request: Request[Any, Any, Any]) -> Response[str]:
        templates_dir: Path = request.app.state.settings.templates_dir
        return Response(
            service_worker_script(_assets(request), templates_dir),
            media_type="text/javascript",  # Litestar adds the charset
            headers={"Service-Worker-Allowed": "/"},
        )

    @get("/offline", sync_to_thread=False)
    def offline(self) -> Template:
        return render(OFFLINE_TEMPLATE, page_title=_("Hors ligne"))

    @get("/favicon.ico", sync_to_thread=False, cache_control=SHORT)
    def favicon(self, request: Request[Any, Any, Any]) -> File:
        return File(
            _assets(request).directory / "favicon.ico",
            content_disposition_type="inline",
            media_type="image/x-icon",
        )
