"""The background worker: the periodic jobs that no request triggers.

The jobs come from the registry (``marketplace/jobs.py``) that each domain's ``scheduled.py``
fills. The worker owns what they share: one session factory on the app's own database
configuration for its whole life, one transaction per pass of a job, the clock, and the backoff
of a job that fails (logged; the other jobs go on). Each job runs in its own loop, so a slow one
does not delay the others.

In embedded mode the worker runs inside the app process (``embedded_worker``, the app's
lifespan); in production it is the separate ``marketplace worker`` process of docker-compose.
Tests wait on a job's passes (``worker.runs(job).wait_for_pass()``) rather than sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
from litestar import Litestar

from marketplace.alerts import scheduled as alerts_scheduled
from marketplace.db import statistics as db_statistics
from marketplace.exchanges import scheduled as exchanges_scheduled
from marketplace.indexing import scheduled as indexing_scheduled
from marketplace.jobs import Job, registry
from marketplace.listings import scheduled as listings_scheduled
from marketplace.notifications import scheduled as notifications_scheduled
from marketplace.operations import SessionFactory, sessions_for, transaction_in
from marketplace.photos import scheduled as photos_scheduled
from marketplace.settings import Settings
from marketplace.worker_election import WorkerLock, worker_lock_path

log = logging.getLogger("marketplace.worker")

# The domains whose jobs the worker runs: importing a scheduled module registers its jobs.
SCHEDULED = (
    db_statistics,
    listings_scheduled,
    indexing_scheduled,
    exchanges_scheduled,
    notifications_scheduled,
    alerts_scheduled,
    photos_scheduled,
)

# Keys of ``app.state`` in embedded mode: options set before startup (tests), the running worker.
OPTIONS_STATE_KEY = "worker_options"
WORKER_STATE_KEY = "worker"


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Backoff:
    """How long a failing job waits before its next attempt: doubling from ``first`` up to ``maximum``."""

    first: datetime.timedelta = datetime.timedelta(seconds=30)
    maximum: datetime.timedelta = datetime.timedelta(minutes=30)

    def delay(self, consecutive_failures: int) -> datetime.timedelta:
        return min(self.first * 2 ** max(consecutive_failures - 1, 0), self.maximum)


@dataclass(frozen=True)
class WorkerOptions:
    clock: Callable[[], datetime.datetime] = utc_now
    backoff: Backoff = field(default_factory=Backoff)
    # Embedded mode: how often a process whose sibling runs the worker checks whether it still does.
    election_retry: datetime.timedelta = datetime.timedelta(seconds=5)


class JobRuns:
    """What one worker has done with one job, and a way to wait for it without sleeping.

    The waiter may be in another thread's event loop than the worker: Litestar's test client
    runs the app's lifespan, and so the embedded worker, in a thread of its own. Hence a lock
    and ``call_soon_threadsafe`` rather than an anyio Event, which belongs to one loop.
    """

    def __init__(self, job: Job) -> None:
        self.job = job
        self.started = 0  # attempts begun
        self.passes = 0  # attempts that committed
        self.failures = 0  # attempts that raised (rolled back)
        self.consecutive_failures = 0
        self.last_error: BaseException | None = None
        self._last_pass_started = 0  # which attempt the last committed pass was
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    async def wait_for_pass(self, after: int | None = None) -> int:
        """Wait until more than ``after`` passes have committed; returns how many have.

        Without ``after``: until a pass that began after this call has committed, so that it sees
        whatever the caller wrote before calling. Wrap it in ``anyio.fail_after`` in tests.
        """
        if after is None:
            with self._lock:
                since = self.started
            await self._wait_until(lambda: self._last_pass_started > since)
        else:
            floor = after
            await self._wait_until(lambda: self.passes > floor)
        return self.passes

    async def wait_for_failure(self, after: int = 0) -> int:
        """Wait until more than ``after`` attempts have failed; returns how many have."""
        await self._wait_until(lambda: self.failures > after)
        return self.failures

    async def _wait_until(self, reached: Callable[[], bool]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:  # the check and the registration happen before any further change
                if reached():
                    return
                woken: asyncio.Future[None] = loop.create_future()
                self._waiters.append((loop, woken))
            await woken

    def record_start(self) -> int:
        with self._lock:
            self.started += 1
            return self.started

    def record_pass(self, attempt: int) -> None:
        with self._lock:
            self.passes += 1
            self.consecutive_failures = 0
            self._last_pass_started = attempt
        self._notify()

    def record_failure(self, error: BaseException) -> None:
        with self._lock:
            self.failures += 1
            self.consecutive_failures += 1
            self.last_error = error
        self._notify()

    def _notify(self) -> None:
        with self._lock:
            waiters, self._waiters = self._waiters, []
        for loop, woken in waiters:  # every waiter checks its own condition again
            with contextlib.suppress(RuntimeError):  # its loop has closed: nobody waits any more
                loop.call_soon_threadsafe(_wake, woken)


def _wake(woken: asyncio.Future[None]) -> None:
    if not woken.done():  # a cancelled wait
        woken.set_result(None)


class Worker:
    def __init__(
        self, sessions: SessionFactory, jobs: Iterable[Job], options: WorkerOptions | None = None
    ) -> None:
        self.sessions = sessions
        self.options = options or WorkerOptions()
        self._runs = {job.name: JobRuns(job) for job in jobs}

    @property
    def jobs(self) -> list[Job]:
        return [runs.job for runs in self._runs.values()]

    def runs(self, job: Job | str) -> JobRuns:
        return self._runs[job if isinstance(job, str) else job.name]

    async def run_pass(self, job: Job) -> bool:
        """One pass of ``job`` in its own transaction; a failure is logged, not raised."""
        runs = self.runs(job)
        attempt = runs.record_start()
        try:
            async with transaction_in(self.sessions) as session:
                await job.work(session, self.options.clock())
        except Exception as error:  # any failure: rolled back, retried after a backoff
            runs.record_failure(error)
            log.exception(
                "job %s failed (%d in a row); next attempt in %s",
                job.name,
                runs.consecutive_failures,
                self.options.backoff.delay(runs.consecutive_failures),
            )
            return False
        runs.record_pass(attempt)
        return True

    async def run_once(self) -> None:
        """Every job once, one after the other (``marketplace worker --once``)."""
        for job in self.jobs:
            await self.run_pass(job)

    async def run(self) -> None:
        """Every job at its interval, until cancelled; each is due as soon as the worker starts."""
        async with anyio.create_task_group() as tasks:
            for job in self.jobs:
                tasks.start_soon(self._keep_running, job, name=f"job {job.name}")

    async def _keep_running(self, job: Job) -> None:
        runs = self.runs(job)
        while True:
            ok = await self.run_pass(job)
            wait = job.interval if ok else self.options.backoff.delay(runs.consecutive_failures)
            await anyio.sleep(wait.total_seconds())


@asynccontextmanager
async def open_worker(
    settings: Settings, jobs: Iterable[Job] | None = None, options: WorkerOptions | None = None
) -> AsyncIterator[Worker]:
    """A worker on the app's database configuration, with the registry's jobs unless told others;
    its engine lives as long as the block."""
    async with sessions_for(settings) as sessions:
        yield Worker(sessions, registry.jobs() if jobs is None else jobs, options)


async def run_worker(settings: Settings, once: bool = False, options: WorkerOptions | None = None) -> None:
    async with open_worker(settings, options=options) as worker:
        await (worker.run_once() if once else worker.run())


@asynccontextmanager
async def embedded_worker(app: Litestar) -> AsyncIterator[None]:
    """Lifespan of the embedded mode: the worker runs beside the requests, in one process only.

    With several app processes (``marketplace run --workers N``) the one holding the worker lock
    (``worker_election``) runs it; the others wait their turn. The worker has its own engine on
    the same configuration rather than the app's: the SQLAlchemy plugin's lifespan is entered
    after this one, so it would dispose the app's engine while the worker is still stopping.
    """
    settings: Settings = app.state.settings
    options = app.state.get(OPTIONS_STATE_KEY) or WorkerOptions()
    lock = WorkerLock(worker_lock_path(settings))
    try:
        async with open_worker(settings, options=options) as worker, anyio.create_task_group() as tasks:
            app.state[WORKER_STATE_KEY] = worker
            tasks.start_soon(_run_when_elected, worker, lock)
            yield
            tasks.cancel_scope.cancel()
    finally:
        lock.release()


async def _run_when_elected(worker: Worker, lock: WorkerLock) -> None:
    """Polls the lock (a file lock has no event to wait on), then runs the worker until cancelled."""
    elected = lock.acquire()
    while not elected:
        await anyio.sleep(worker.options.election_retry.total_seconds())
        elected = lock.acquire()
    log.info("this process runs the embedded worker (lock %s)", lock.path)
    await worker.run()
