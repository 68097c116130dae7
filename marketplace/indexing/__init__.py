"""Keeping the search index in step with what readers see.

- ``models``: the search outbox, one row per change that a reader of a listing could notice;
- ``changes``: the one call (``record_change``) that every service makes in its transaction;
- ``documents``: what the index holds for a listing.

``models`` and ``changes`` depend on nothing but the database, so that every domain may record
its changes; ``documents`` reads listings and photos and sits above them.
"""
