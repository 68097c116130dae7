"""Which backend a configuration opens: Meilisearch when a URL is given, else the embedded index."""

from __future__ import annotations

from pathlib import Path

from search.contract import SearchIndex
from search.embedded import EmbeddedIndex
from search.meilisearch_backend import MeilisearchIndex


def open_index(
    meilisearch_url: str | None, meilisearch_api_key: str | None, index_dir: Path | str
) -> SearchIndex:
    """The index for these settings; nothing is contacted or created before its first call."""
    if meilisearch_url:
        return MeilisearchIndex(meilisearch_url, meilisearch_api_key)
    return EmbeddedIndex(Path(index_dir))
