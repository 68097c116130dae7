"""Worker processes for photo work, each with a memory limit and a time limit per job.

Decoding is where an upload's memory goes (a 190 KB PNG of 7000x7000 RGBA pixels is 196 MB
decoded and ~500 MB at peak), and glibc seldom gives such memory back to the system: decoded in
the web process, it stays there. So the web process never decodes: it hands the uploaded bytes
to a small pool of worker processes and gets the WebP variants back, as bytes.

Each worker is a ``ProcessPoolExecutor`` of one process, so that the process running a job past
its time limit can be killed without failing the other workers' jobs. A worker

- is started on first use, with the ``spawn`` method (the web process runs an event loop and
  threads: a forked copy could inherit a lock held by another thread), and is waited for before
  its first job, so that the time limit counts the job and not the interpreter's start;
- has its address space capped (``RLIMIT_AS``) at its size once started plus what one photo may
  take: an image that needs more gets a ``MemoryError`` there instead of the machine's last
  gigabyte. The cap is relative because a spawned worker first re-imports the web process's main
  module, whose weight depends on the entry point (``marketplace run``'s CLI module brings the
  whole app: ~250 MiB of address space before the first photo, against ~110 MiB under pytest);
- is replaced after ``jobs_per_worker`` jobs (``max_tasks_per_child``), so that a fragmented
  heap cannot grow for ever, and at once when a job overruns, runs out of memory or kills it;
- runs at a lower CPU priority, so that pages are still served promptly while photos are made.

Jobs beyond the number of workers wait in the web process, on an anyio limiter, before any
thread or process is taken.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import logging
import math
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any, Final, TypeVar

import anyio
import anyio.to_thread

try:  # POSIX only
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MIB: Final = 1024 * 1024

# Environment variables (read when the pool is first needed, see ``WorkerLimits.from_environment``).
WORKERS_VARIABLE: Final = "MARKETPLACE_PHOTO_WORKERS"
MAX_JOBS_VARIABLE: Final = "MARKETPLACE_PHOTO_WORKER_MAX_JOBS"
MEMORY_VARIABLE: Final = "MARKETPLACE_PHOTO_WORKER_MEMORY_MB"
TIME_LIMIT_VARIABLE: Final = "MARKETPLACE_PHOTO_TIME_LIMIT_SECONDS"

# What one photo may add to a started worker's address space. The most demanding image the
# pipeline accepts that we measured, a 50-megapixel RGBA WebP, adds ~800 MiB (libwebp's buffer,
# Pillow's copy, the resize); a 49 MP RGBA PNG ~400 MiB, a 12 MP HEIC ~140 MiB, a 12 MP JPEG
# ~50 MiB (libjpeg decodes it at half size).
DEFAULT_MEMORY_BYTES: Final = 1024 * _MIB
# A 50 MP WebP takes ~8 s on one core of the benchmark machine, a 12 MP photo well under 1 s.
DEFAULT_TIME_LIMIT_SECONDS: Final = 30.0
# A fresh process costs ~0.3 s (interpreter, Pillow, codecs): negligible once per 20 photos.
DEFAULT_JOBS_PER_WORKER: Final = 20

# Long enough for a cold start on a loaded machine; a worker that cannot start in that time
# will not do better with a photo.
_STARTUP_SECONDS: Final = 60.0
_WORKER_NICENESS: Final = 10
# glibc gives each thread that allocates its own malloc arena, reserving 64 MiB of address space
# up front: the decoders' threads (libde265, dav1d) would use up RLIMIT_AS with reservations they
# never touch (a 12 MP HEIC then reserves ~700 MiB for ~130 MiB of pages). Two arenas cost no
# measurable time.
_M_ARENA_MAX: Final = -8  # from <malloc.h>
_MALLOC_ARENAS: Final = 2


def _default_workers() -> int:
    """Two, or one on a single-core machine: one photo per core, the web process beside them."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


@dataclass(frozen=True, slots=True)
class WorkerLimits:
    """How many workers, how many jobs each does before it is replaced, and what a job may use."""

    workers: int = field(default_factory=_default_workers)
    jobs_per_worker: int = DEFAULT_JOBS_PER_WORKER
    memory_bytes: int | None = DEFAULT_MEMORY_BYTES
    """Address space one job may add to a started worker (``RLIMIT_AS``); None for no limit."""
    seconds: float = DEFAULT_TIME_LIMIT_SECONDS
    """Wall-clock time one job may take before its worker is killed."""

    def __post_init__(self) -> None:
        if self.workers < 1 or self.jobs_per_worker < 1:
            raise ValueError("a pool needs at least one worker, doing at least one job")
        if self.memory_bytes is not None and self.memory_bytes <= 0:
            raise ValueError("memory_bytes must be positive (or None for no limit)")
        if not (self.seconds > 0 and math.isfinite(self.seconds)):
            raise ValueError("seconds must be a positive number")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> WorkerLimits:
        """The limits set by the ``MARKETPLACE_PHOTO_*`` variables, the defaults for the others.

        A value that is not a positive number is logged and replaced by the default: a typo
        must not leave the pool without limits, nor stop every upload.
        """
        environ = os.environ if environ is None else environ
        return cls(
            workers=_positive(environ, WORKERS_VARIABLE, int, _default_workers()),
            jobs_per_worker=_positive(environ, MAX_JOBS_VARIABLE, int, DEFAULT_JOBS_PER_WORKER),
            memory_bytes=_positive(environ, MEMORY_VARIABLE, int, DEFAULT_MEMORY_BYTES // _MIB) * _MIB,
            seconds=_positive(environ, TIME_LIMIT_VARIABLE, float, DEFAULT_TIME_LIMIT_SECONDS),
        )


def _positive(environ: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        value = None
    if not isinstance(value, int | float) or not (value > 0 and math.isfinite(value)):
        logger.warning("%s=%r is not a positive number: %s is used instead", name, raw, default)
        return default
    return value


# --- What can go wrong -----------------------------------------------------------------------


class WorkerFailure(Exception):
    """The job did not run to its end; its worker has been replaced for the next job."""


class JobTimedOut(WorkerFailure):
    """The job took longer than the time limit: its worker was killed."""


class JobOutOfMemory(WorkerFailure):
    """The job needed more memory than a worker may have."""


class WorkerDied(WorkerFailure):
    """The worker process died during the job (killed, crashed in a codec) or could not start."""


# --- In the worker process -------------------------------------------------------------------


def _start_worker(memory_bytes: int | None, preload: tuple[str, ...]) -> None:
    """Initializer of each worker process; the memory limit is set last, on top of the imports."""
    # Ctrl-C reaches the whole process group; the web process stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _cap_malloc_arenas()
    with contextlib.suppress(OSError):  # raising one's niceness is always allowed on Linux
        os.nice(_WORKER_NICENESS)
    for module in preload:
        importlib.import_module(module)
    if memory_bytes is not None:
        _limit_address_space(memory_bytes)


def _cap_malloc_arenas() -> None:
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt(_M_ARENA_MAX, _MALLOC_ARENAS)


def _address_space_in_use() -> int:
    """This process's address space in bytes (Linux), 0 where /proc cannot tell."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _limit_address_space(memory_bytes: int) -> None:
    if resource is None:  # pragma: no cover - Windows
        logger.warning("Photo worker %s: no RLIMIT_AS here, running without a memory limit", os.getpid())
        return
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = _address_space_in_use() + memory_bytes
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ValueError, OSError) as error:
        logger.warning(
            "Photo worker %s: cannot limit its memory (RLIMIT_AS: %s), running without a limit",
            os.getpid(),
            error,
        )


# --- In the web process ----------------------------------------------------------------------


class _Worker:
    """One worker process, as a ``ProcessPoolExecutor`` of one, used by one job at a time."""

    def __init__(self, limits: WorkerLimits, preload: tuple[str, ...], context: BaseContext) -> None:
        self._limits = limits
        self._preload = preload
        self._context = context
        self._executor: ProcessPoolExecutor | None = None

    @property
    def pids(self) -> list[int]:
        # CPython's executor keeps its processes by pid; nothing public says which they are.
        return list(getattr(self._executor, "_processes", None) or {})

    def run(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        try:
            future = self._started().submit(function, *args)
        except BrokenProcessPool:
            # It died while idle (killed, or by the OOM killer): nothing of this job ran yet.
            self.stop(kill=True)
            future = self._started().submit(function, *args)
        done, _ = wait([future], timeout=self._limits.seconds, return_when=FIRST_COMPLETED)
        if not done:
            pids = self.pids
            self.stop(kill=True)
            logger.warning("Photo worker %s killed: its job ran past %gs", pids, self._limits.seconds)
            raise JobTimedOut(f"the job ran past {self._limits.seconds:g} s")
        try:
            return future.result()
        except BrokenProcessPool as error:
            self.stop(kill=True)
            logger.warning("Photo worker died during its job: %s", error)
            raise WorkerDied("the worker process died during the job") from error
        except MemoryError as error:
            # Its heap is now in pieces: the next job gets a fresh process.
            self.stop()
            logger.warning("Photo job ran out of memory (limit %s bytes)", self._limits.memory_bytes)
            raise JobOutOfMemory("the job needed more memory than a worker may use") from error

    def _started(self) -> ProcessPoolExecutor:
        if self._executor is not None:
            return self._executor
        self._executor = ProcessPoolExecutor(
            max_workers=1,
            mp_context=self._context,
            initializer=_start_worker,
            initargs=(self._limits.memory_bytes, self._preload),
            # The start-up probe below is one of the first process's tasks.
            max_tasks_per_child=self._limits.jobs_per_worker,
        )
        try:
            probe = self._executor.submit(os.getpid)
            done, _ = wait([probe], timeout=_STARTUP_SECONDS)
            if not done or probe.exception() is not None:
                raise WorkerDied("the worker process could not start")
        except (WorkerDied, OSError, BrokenProcessPool) as error:
            self.stop(kill=True)
            logger.error("A photo worker could not start: %s", error)
            if isinstance(error, WorkerDied):
                raise
            raise WorkerDied("the worker process could not start") from error
        return self._executor

    def stop(self, *, kill: bool = False, wait: bool = False) -> None:
        """Let the process go (killed first with ``kill``); the next job starts a new one."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if kill:
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                process.kill()
        executor.shutdown(wait=wait, cancel_futures=True)


class WorkerPool:
    """A few worker processes that run picklable functions under ``limits``.

    Nothing starts until the first job. ``function`` must be importable by name (a module-level
    function) and its arguments and result picklable: they cross the process boundary as bytes.
    """

    def __init__(self, limits: WorkerLimits | None = None, *, preload: Sequence[str] = ()) -> None:
        self.limits = limits or WorkerLimits()
        context = multiprocessing.get_context("spawn")
        self._workers = tuple(
            _Worker(self.limits, tuple(preload), context) for _ in range(self.limits.workers)
        )
        self._idle = list(self._workers)
        self._lock = threading.Lock()
        self._free = threading.Semaphore(self.limits.workers)
        # Queued jobs wait here, holding no thread.
        self._limiter = anyio.CapacityLimiter(self.limits.workers)
        self._closed = False

    @property
    def pids(self) -> list[int]:
        """Process ids of the workers running now (for monitoring and tests)."""
        return [pid for worker in self._workers for pid in worker.pids]

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker, waiting for a free one first.

        Raises what ``function`` raises, or a ``WorkerFailure``. Cancelling the caller takes
        effect once the job has ended (at most the time limit), so that a worker is never
        handed a second job while it is still busy with a first.
        """
        return await anyio.to_thread.run_sync(self.run_blocking, function, *args, limiter=self._limiter)

    def run_blocking(self, function: Callable[..., T], *args: Any) -> T:
        """``run`` for synchronous callers: blocks the calling thread."""
        with self._free:
            with self._lock:
                if self._closed:
                    raise RuntimeError("this photo worker pool has been shut down")
                worker = self._idle.pop()
            try:
                return worker.run(function, args)
            finally:
                with self._lock:
                    self._idle.append(worker)
                    closed = self._closed
                if closed:
                    worker.stop()

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop the idle workers (waiting for them to exit with ``wait``); busy ones stop after
        their job. Jobs submitted afterwards raise ``RuntimeError``."""
        with self._lock:
            self._closed = True
            idle = list(self._idle)
        for worker in idle:
            worker.stop(wait=wait)


__all__ = [
    "DEFAULT_JOBS_PER_WORKER",
    "DEFAULT_MEMORY_BYTES",
    "DEFAULT_TIME_LIMIT_SECONDS",
    "MAX_JOBS_VARIABLE",
    "MEMORY_VARIABLE",
    "TIME_LIMIT_VARIABLE",
    "WORKERS_VARIABLE",
    "JobOutOfMemory",
    "JobTimedOut",
    "WorkerDied",
    "WorkerFailure",
    "WorkerLimits",
    "WorkerPool",
]
