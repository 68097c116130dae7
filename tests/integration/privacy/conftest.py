"""Each test's app has its own embedded search index, drained on demand (``indexed(app)``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from marketplace.settings import SearchSettings, Settings


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, search=SearchSettings("", "", tmp_path / "search"))
