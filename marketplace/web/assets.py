"""Static files under fingerprinted names: ``static_url("site.css")`` is ``/static/site.<hash>.css``.

A fingerprinted URL names one content forever, so it is served with a year's immutable cache: a
phone on a slow line loads the styles once, and a new deploy changes the names. The plain name
(``/static/site.css``) keeps working with a short cache, for whatever still links to it. The
hashes are computed once at start-up: a file changed under a running server keeps its old name
until the next start (``marketplace run`` restarts on deploy).

A fingerprint this process did not give out (another process of a rolling deploy, newer or
older, drew the page) is answered with the file as it is here, under the short cache: the page
keeps its styles, and nothing wrong is kept for a year.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath

from litestar import Router, get, head
from litestar.datastructures import CacheControlHeader
from litestar.file_system import BaseLocalFileSystem
from litestar.params import FromPath
from litestar.response.file import ASGIFileResponse
from litestar.static_files.base import StaticFiles

FINGERPRINT_LENGTH = 12
IMMUTABLE = CacheControlHeader(public=True, max_age=365 * 24 * 3600, immutable=True)
SHORT = CacheControlHeader(public=True, max_age=300)
FINGERPRINTED_NAME = re.compile(rf"^(?P<stem>.+)\.[0-9a-f]{{{FINGERPRINT_LENGTH}}}(?P<suffix>\.[^./]+)$")


def fingerprinted(name: str, digest: str) -> str:
    """``vendor/htmx.min.js`` → ``vendor/htmx.min.<digest>.js``: the hash before the last suffix, so
    the type guessed from the name stays the same."""
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


@dataclass(frozen=True, eq=False)  # hashed by identity: one table per app, cached per app
class StaticAssets:
    directory: Path
    by_name: dict[str, str]
    """Plain name → fingerprinted name."""
    by_fingerprint: dict[str, str]
    """Fingerprinted name → plain name."""

    @classmethod
    def scan(cls, directory: Path) -> StaticAssets:
        by_name: dict[str, str] = {}
        for path in sorted(directory.rglob("*")) if directory.is_dir() else []:
            if path.is_file() and not path.name.startswith("."):
                name = path.relative_to(directory).as_posix()
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:FINGERPRINT_LENGTH]
                by_name[name] = fingerprinted(name, digest)
        return cls(directory, by_name, {value: key for key, value in by_name.items()})

    def url(self, name: str) -> str:
        """The fingerprinted URL of ``name``; its plain URL if no such file existed at start-up
        (``make static`` not run yet): the page still works, only less well cached."""
        return f"/static/{self.by_name.get(name, name)}"

    def router(self) -> Router:
        def files(cache: CacheControlHeader) -> StaticFiles:
            # Litestar's own file serving: paths kept inside the directory, ETag, HEAD.
            return StaticFiles(
                is_html_mode=False,
                directories=[self.directory],
                file_system=BaseLocalFileSystem(),
                headers={cache.HEADER_NAME: cache.to_header()},
            )

        immutable, short = files(IMMUTABLE), files(SHORT)

        async def serve(file_path: PurePath, is_head_response: bool) -> ASGIFileResponse:
            name = file_path.as_posix().lstrip("/")
            original = self.by_fingerprint.get(name)
            if original is not None:
                return await immutable.handle(path=original, is_head_response=is_head_response)
            other_version = FINGERPRINTED_NAME.match(name)
            if other_version and other_version["stem"] + other_version["suffix"] in self.by_name:
                name = other_version["stem"] + other_version["suffix"]
            return await short.handle(path=name, is_head_response=is_head_response)

        @get("/{file_path:path}", name="static")
        async def get_static(file_path: FromPath[PurePath]) -> ASGIFileResponse:
            return await serve(file_path, is_head_response=False)

        @head("/{file_path:path}", name="static/head")
        async def head_static(file_path: FromPath[PurePath]) -> ASGIFileResponse:
            return await serve(file_path, is_head_response=True)

        return Router(path="/static", route_handlers=[get_static, head_static], include_in_schema=False)
