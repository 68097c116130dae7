"""Compressed responses: Litestar's compression, on text only, never on a live event stream.

Brotli when its module is installed (``litestar[brotli]``), gzip for the clients that do not ask
for it. Litestar's middleware would also compress what is compressed already (WebP photos, PNG
icons: CPU for nothing) and server-sent events, whose each event must reach the page at once
rather than wait in a compressor, so it is given the text types only.
"""

from __future__ import annotations

from importlib.util import find_spec

from litestar.config.compression import CompressionConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import Message, Scope, Send

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


class TextCompressionMiddleware(CompressionMiddleware):
    def create_compression_send_wrapper(self, send: Send, compression_encoding: str, scope: Scope) -> Send:  # type: ignore[override]
        compressing = super().create_compression_send_wrapper(send, compression_encoding, scope)  # type: ignore[arg-type]
        passthrough = False

        async def send_wrapper(message: Message) -> None:
            nonlocal passthrough
            if message["type"] == "http.response.start":
                content_type = MutableScopeHeaders.from_message(message).get("content-type") or ""
                passthrough = not is_compressible(content_type)
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
