"""The key/value table behind Litestar's stores: server-side sessions and login throttling.

Every app process reads and writes the same rows, so nothing lives in one process's memory.
"""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.store import StoreModelMixin


class StoreItem(StoreModelMixin):
    __tablename__ = "kv_store"
