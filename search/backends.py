"""Which backend a configuration opens: Meilisearch when a URL is given, else the embedded index."""

from __future__ import annotations

from pathlib import Path

from search.contract import SearchIndex
from search.embedded import EmbeddedIndex
from search.meilisearch_backend import MeilisearchIndex

DEFAULT_INDEX_UID = "listings"


def open_index(
    meilisearch_url: str | None,
    meilisearch_api_key: str | None,
    index_dir: Path | str,
    meilisearch_index: str = DEFAULT_INDEX_UID,
) -> SearchIndex:
    """The index for these settings; nothing is contacted or created before its first call.
    ``meilisearch_index`` tells apart two installs that share one Meilisearch server."""
    if meilisearch_url:
        return MeilisearchIndex(meilisearch_url, meilisearch_api_key, meilisearch_index)
    return EmbeddedIndex(Path(index_dir))
