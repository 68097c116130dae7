"""Photo stories: the media root of the test's app, and what is stored there.

Uploads go through ``upload`` and ``add_photo`` of tests/stories.py; the photos themselves are
made in memory by tests/unit/photos/conftest.py. Both are named here as well, for the test
modules that import them from here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar

from tests.stories import CONTENT_TYPES, add_photo, upload
from tests.unit.photos.conftest import make_image, photo_bytes, raw_png


@pytest.fixture
def media_root(app: Litestar) -> Path:
    return Path(app.state.settings.media.root)


def stored_files(root: Path) -> set[str]:
    """Every variant file under the media root, as storage keys."""
    if not root.exists():
        return set()
    return {path.relative_to(root).as_posix() for path in root.rglob("*.webp") if path.is_file()}


__all__ = ["CONTENT_TYPES", "add_photo", "make_image", "photo_bytes", "raw_png", "stored_files", "upload"]
