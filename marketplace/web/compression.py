"""Compressed responses: Litestar's compression, on text only, never on a live event stream.

Brotli when its module is installed (``litestar[brotli]``), gzip for the clients that do not ask
for it. Litestar's middleware would also compress what is compressed already (WebP photos, PNG
icons: CPU for nothing) and server-sent events, whose each event must reach the page at once
rather than wait in a compressor, so it is given the text types only.

Left uncompressed as well:

- the pages of a signed-in session (a session cookie), but for the static files: such a page
  holds what an attacker wants (the CSRF token, which Litestar does not vary from one answer to
  the next, a conversation) beside what a request can make it repeat (a search, ``next=``), and
  the compressed size then tells how much of a guess matched (BREACH). The static files, the
  public pages and bearer-token API calls (which a browser never sends on its own) hold no
  secret of a session, and are the most of the bytes;
- error answers (4xx, 5xx): a hidden object's answer must be the very bytes of a missing one's,
  header for header, and a compressed length varies with the bytes of the path asked
  (tests/integration/test_no_existence_oracle.py). They are short and rare.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import cast

from litestar.config.compression import CompressionConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import HTTPResponseStartEvent, Message, Scope, Send

from marketplace.web.middleware import carries_session

# Below this many bytes the gzip header and the CPU cost more than they save.
MINIMUM_SIZE = 1024
COMPRESSIBLE = (
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "application/vnd.oai.openapi+json",
    "image/svg+xml",
    "image/x-icon",
)


def is_compressible(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in COMPRESSIBLE


def may_compress(scope: Scope, message: HTTPResponseStartEvent) -> bool:
    """Whether the answer that ``message`` starts may be compressed (see the module's docstring)."""
    if message["status"] >= 400:
        return False
    if not is_compressible(MutableScopeHeaders.from_message(message).get("content-type") or ""):
        return False
    return str(scope.get("path", "")).startswith("/static/") or not carries_session(scope)


class TextCompressionMiddleware(CompressionMiddleware):
    def create_compression_send_wrapper(self, send: Send, compression_encoding: str, scope: Scope) -> Send:  # type: ignore[override]
        compressing = super().create_compression_send_wrapper(send, compression_encoding, scope)  # type: ignore[arg-type]
        passthrough = False

        async def send_wrapper(message: Message) -> None:
            nonlocal passthrough
            if message["type"] == "http.response.start":
                passthrough = not may_compress(scope, cast("HTTPResponseStartEvent", message))
            await (send if passthrough else compressing)(message)

        return send_wrapper


def compression_config() -> CompressionConfig:
    backend = "brotli" if find_spec("brotli") is not None else "gzip"
    return CompressionConfig(
        backend=backend,
        minimum_size=MINIMUM_SIZE,
        gzip_compress_level=6,  # zlib's default: most of level 9's gain for a third of its time
        brotli_quality=5,
        middleware_class=TextCompressionMiddleware,
    )
