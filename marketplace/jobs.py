"""The registry of periodic jobs: each domain declares its own in ``<domain>/scheduled.py``.

As Dispatch's ``<domain>/scheduled.py``: a domain decorates an async function that does one pass
of its work in the session it is given, and the worker (``marketplace/worker.py``) owns the loop,
the transactions, the clock and the backoff. A job is idempotent: a pass that fails is rolled
back and run again later.

    @periodic("listings.expire", every=datetime.timedelta(minutes=1))
    async def expire_listings(session: AsyncSession, now: datetime.datetime) -> int: ...

This module is part of the foundation: domains import it, it imports no domain.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

# One pass of a job: its work in the given session (the worker commits), ``now`` from the
# worker's clock. What it returns is only logged.
JobWork = Callable[[AsyncSession, datetime.datetime], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    name: str
    interval: datetime.timedelta
    work: JobWork


class JobRegistry:
    """Jobs by name, in the order they were declared."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def add(self, job: Job) -> Job:
        if job.name in self._jobs:
            raise ValueError(f"a job named {job.name!r} is already registered")
        if job.interval <= datetime.timedelta(0):
            raise ValueError(f"job {job.name!r} needs a positive interval")
        self._jobs[job.name] = job
        return job

    def periodic(self, name: str, *, every: datetime.timedelta) -> Callable[[JobWork], Job]:
        """Decorator: registers the function as the job ``name``, run every ``every``."""

        def register(work: JobWork) -> Job:
            return self.add(Job(name=name, interval=every, work=work))

        return register

    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def __iter__(self) -> Iterator[Job]:
        return iter(self.jobs())

    def __contains__(self, job: object) -> bool:
        return isinstance(job, Job) and self._jobs.get(job.name) is job


# The registry the worker runs; the domains' scheduled modules fill it when imported.
registry = JobRegistry()
periodic = registry.periodic
