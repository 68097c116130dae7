"""The discovery engine: the index contract, its Meilisearch and embedded backends, their settings.

It knows nothing of Litestar or of the app's database: the app turns a listing into a document
(``marketplace.indexing.documents``) and calls the index through the contract. The discovery
issue fills this package; linting, type checking and packaging already cover it.
"""
