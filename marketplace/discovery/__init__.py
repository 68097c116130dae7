"""Discovery: the search API and pages, on top of the index that ``indexing`` keeps in step.

- ``queries``: a reader's parameters, checked, into a ``search.contract.Query`` within what
  the reader may see;
- ``results``: the index's answer as the API and the pages show it;
- ``api``: ``GET /api/v1/search``; ``pages``: the search pages and search before posting.
"""
