"""One embedded worker per install, however many app processes serve it.

``marketplace run --workers N`` starts N processes that share nothing in memory; in embedded
mode each runs the app's lifespan, and so would start the worker N times (N indexers draining
the same outbox, N senders of the same e-mails). The process that holds an exclusive lock on a
file beside the database runs it; the others try again now and then, so that when the holder
ends (even killed: the system drops its lock with its files) another one takes over.
"""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from marketplace.settings import Settings


class WorkerLock:
    """An exclusive, non-blocking ``flock`` on ``path``, held until released or the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._held: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._held is not None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; False at once otherwise."""
        if self._held is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._held = handle
        return True

    def release(self) -> None:
        if self._held is not None:
            fcntl.flock(self._held, fcntl.LOCK_UN)
            self._held.close()
            self._held = None


def worker_lock_path(settings: Settings) -> Path:
    """One lock per database: beside the SQLite file, else in the data directory under a name
    drawn from the database's URL (two installs sharing a data directory do not wait on each other)."""
    url = make_url(settings.database.url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(database.name + ".worker-lock")
    digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return settings.data_dir / f"worker-{digest}.lock"
