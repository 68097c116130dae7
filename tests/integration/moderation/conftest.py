"""Each test's app has its own embedded search index (under the test's own directory), so that a
ban can be seen to take the member's listings out of search (``indexed`` drains the outbox)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from marketplace.settings import SearchSettings, Settings


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, search=SearchSettings("", "", tmp_path / "search"))
