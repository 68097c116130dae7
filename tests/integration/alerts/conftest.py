"""The app of the alerts' tests searches on a real backend (the embedded index unless a test asks
for ``search_backend`` = "meilisearch" too) and runs the worker's passes on demand:
``await matched(app)`` drains the search outbox into the index, then runs one pass of the
alerts' matcher, each in its own transaction as the worker does."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar

from marketplace.alerts.scheduled import Matched, grow_sizes, match_changes, send_daily_digests
from marketplace.jobs import Job
from marketplace.operations import transaction
from marketplace.settings import Settings
from tests.integration.discovery.backends import forget, indexed, on_backend


@pytest.fixture
def search_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "embedded"))


@pytest.fixture
def settings(
    settings: Settings, search_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Settings]:
    on, uid = on_backend(settings, search_backend, request, tmp_path)
    yield on
    forget(request, uid)


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def run(app: Litestar, job: Job, now: datetime.datetime | None = None) -> object:
    async with transaction(app.state.settings) as session:
        return await job.work(session, now or utc_now())


async def matched(app: Litestar, now: datetime.datetime | None = None) -> Matched:
    """The index takes the pending changes, then the matcher reads them (until nothing is left)."""
    drained = await indexed(app, now)
    assert not drained.failed, drained.errors
    total = Matched()
    while True:
        result = await run(app, match_changes, now)
        assert isinstance(result, Matched)
        if not result.changes:
            return total
        total = Matched(
            total.changes + result.changes, total.queries + result.queries, total.matches + result.matches
        )


async def digests(app: Litestar, now: datetime.datetime) -> object:
    return await run(app, send_daily_digests, now)


async def sizes(app: Litestar, now: datetime.datetime) -> object:
    return await run(app, grow_sizes, now)
