"""The worker: jobs that each domain registers, one transaction a pass, the app's database settings,
a failing job retried with backoff while the others go on. Tests wait on a job's passes, never sleep."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.app import create_app
from marketplace.communities.models import Category
from marketplace.jobs import JobRegistry, registry
from marketplace.listings.scheduled import expire_listings
from marketplace.operations import transaction
from marketplace.settings import Settings
from marketplace.worker import (
    OPTIONS_STATE_KEY,
    WORKER_STATE_KEY,
    Backoff,
    Worker,
    WorkerOptions,
    open_worker,
)
from marketplace.worker_election import WorkerLock
from tests.stories import Board

pytestmark = pytest.mark.anyio

FAST_BACKOFF = Backoff(first=datetime.timedelta(milliseconds=10), maximum=datetime.timedelta(milliseconds=40))
PATIENCE_SECONDS = 20  # a bound on every wait, so that a broken worker fails the test instead of hanging


async def foreign_keys_enforced(session: AsyncSession) -> bool:
    """Whether the database refuses a row that points at nothing (and, on SQLite, says so)."""
    if session.bind.dialect.name == "sqlite":
        assert int((await session.execute(text("PRAGMA foreign_keys"))).scalar_one()) == 1
    try:
        async with session.begin_nested():
            session.add(Category(community_id=uuid.uuid4(), name="Orpheline", position=0, attributes=[]))
            await session.flush()
    except IntegrityError:
        return True
    return False


def test_listings_expiry_is_declared_in_the_registry() -> None:
    assert expire_listings in registry
    assert expire_listings.name == "listings.expire"
    assert expire_listings.interval == datetime.timedelta(minutes=1)


def test_a_job_name_is_registered_once() -> None:
    jobs = JobRegistry()

    async def work(session: AsyncSession, now: datetime.datetime) -> None:
        return None

    jobs.periodic("test.once", every=datetime.timedelta(seconds=1))(work)
    with pytest.raises(ValueError, match="already registered"):
        jobs.periodic("test.once", every=datetime.timedelta(seconds=1))(work)


def test_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(first=datetime.timedelta(seconds=1), maximum=datetime.timedelta(seconds=5))
    assert [backoff.delay(failures).total_seconds() for failures in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 5]


async def test_the_worker_runs_the_jobs_of_the_registry(settings: Settings) -> None:
    async with open_worker(settings) as worker:
        assert worker.jobs == registry.jobs()
        assert expire_listings in worker.jobs
        await worker.run_once()
    assert [(worker.runs(job).passes, worker.runs(job).failures) for job in worker.jobs] == [(1, 0)] * len(
        worker.jobs
    )


async def test_jobs_run_with_foreign_keys_enforced(settings: Settings) -> None:
    seen: list[bool] = []
    probes = JobRegistry()

    @probes.periodic("test.foreign-keys", every=datetime.timedelta(hours=1))
    async def probe(session: AsyncSession, now: datetime.datetime) -> None:
        seen.append(await foreign_keys_enforced(session))

    async with open_worker(settings, probes.jobs()) as worker, anyio.create_task_group() as tasks:
        tasks.start_soon(worker.run)
        with anyio.fail_after(PATIENCE_SECONDS):
            await worker.runs(probe).wait_for_pass(after=0)
        tasks.cancel_scope.cancel()
    assert seen == [True]


async def test_command_line_transactions_enforce_foreign_keys(settings: Settings) -> None:
    async with transaction(settings) as session:
        assert await foreign_keys_enforced(session)


async def test_embedded_worker_expires_a_listing_whose_lifetime_is_over(
    board: Board, settings: Settings
) -> None:
    await board.community()
    nadia = await board.member("nadia")
    listing = await board.listing(nadia)
    later = datetime.datetime.fromisoformat(listing["expires_at"]) + datetime.timedelta(minutes=1)

    embedded = create_app(dataclasses.replace(settings, run_worker_in_app=True))
    embedded.state[OPTIONS_STATE_KEY] = WorkerOptions(clock=lambda: later)
    async with AsyncTestClient(app=embedded, base_url="http://testserver.local"):
        worker: Worker = embedded.state[WORKER_STATE_KEY]
        with anyio.fail_after(PATIENCE_SECONDS):
            await worker.runs(expire_listings).wait_for_pass(after=0)
    read = await nadia.get(f"/api/v1/listings/{listing['id']}")
    assert read.json()["status"] == "expired"


async def test_a_failing_job_is_retried_with_backoff_while_the_others_go_on(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    jobs = JobRegistry()
    attempts = 0

    # An hour between passes: only the backoff can bring its retries this soon.
    @jobs.periodic("test.flaky", every=datetime.timedelta(hours=1))
    async def flaky(session: AsyncSession, now: datetime.datetime) -> None:
        nonlocal attempts
        attempts += 1
        await session.execute(text("SELECT 1"))
        if attempts <= 2:
            raise RuntimeError("the mail server is away")

    @jobs.periodic("test.steady", every=datetime.timedelta(milliseconds=10))
    async def steady(session: AsyncSession, now: datetime.datetime) -> Any:
        return (await session.execute(text("SELECT 1"))).scalar_one()

    caplog.set_level(logging.ERROR, logger="marketplace.worker")
    options = WorkerOptions(backoff=FAST_BACKOFF)
    async with open_worker(settings, jobs.jobs(), options) as worker, anyio.create_task_group() as tasks:
        tasks.start_soon(worker.run)
        with anyio.fail_after(PATIENCE_SECONDS):
            await worker.runs(flaky).wait_for_failure()
            await worker.runs(steady).wait_for_pass()  # one that began after the failure
            await worker.runs(flaky).wait_for_pass(after=0)
        tasks.cancel_scope.cancel()
    flaky_runs = worker.runs(flaky)
    assert (flaky_runs.failures, flaky_runs.passes, flaky_runs.consecutive_failures) == (2, 1, 0)
    assert worker.runs(steady).failures == 0
    logged = [record for record in caplog.records if record.name == "marketplace.worker"]
    assert [record.getMessage().split(" (")[0] for record in logged] == ["job test.flaky failed"] * 2


def test_one_process_holds_the_worker_lock_until_it_lets_go(tmp_path: Path) -> None:
    first, second = WorkerLock(tmp_path / "db.worker-lock"), WorkerLock(tmp_path / "db.worker-lock")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


async def test_several_app_processes_run_one_embedded_worker_and_another_takes_over(
    settings: Settings,
) -> None:
    """``marketplace run --workers 2`` in embedded mode: two apps on one database, one worker;
    when the process running it ends, the other one runs it."""
    options = WorkerOptions(election_retry=datetime.timedelta(milliseconds=20))
    apps = [create_app(dataclasses.replace(settings, run_worker_in_app=True)) for _ in range(2)]
    for app in apps:
        app.state[OPTIONS_STATE_KEY] = options
    first_client = AsyncTestClient(app=apps[0], base_url="http://testserver.local")
    await first_client.__aenter__()
    first_running = True
    try:
        first: Worker = apps[0].state[WORKER_STATE_KEY]
        with anyio.fail_after(PATIENCE_SECONDS):
            await first.runs(expire_listings).wait_for_pass(after=0)
        async with AsyncTestClient(app=apps[1], base_url="http://testserver.local"):
            second: Worker = apps[1].state[WORKER_STATE_KEY]
            await anyio.sleep(0.3)  # fifteen of its turns to try for the lock, all in vain
            assert second.runs(expire_listings).passes == 0, "both processes ran the worker"
            await first_client.__aexit__(None, None, None)  # that process ends
            first_running = False
            with anyio.fail_after(PATIENCE_SECONDS):
                await second.runs(expire_listings).wait_for_pass(after=0)
    finally:
        if first_running:
            await first_client.__aexit__(None, None, None)
