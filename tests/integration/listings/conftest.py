"""The listings' stories are told by ``Board``, in tests/stories.py (the ``board`` fixture).

``Board`` is named here as well: test modules elsewhere in tests/integration import it from here.
"""

from tests.stories import Board

__all__ = ["Board"]
