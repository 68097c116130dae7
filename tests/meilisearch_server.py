"""A real Meilisearch 1.21 server for the tests: found, started on a free port, stopped.

``scripts/install-meilisearch`` (run by ``make test``) puts the binary in ``MEILISEARCH_BIN`` or
its cache; :func:`meilisearch_binary` finds it the same way when pytest is run directly.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.live_server import free_port

VERSION_PREFIX = "meilisearch 1.21."


def _is_1_21(binary: Path) -> bool:
    try:
        answer = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return False
    return answer.stdout.strip().startswith(VERSION_PREFIX)


def cached_binary() -> Path:
    """Where ``scripts/install-meilisearch`` caches the pinned binary."""
    cache = os.environ.get("MARKETPLACE_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "marketplace"
    )
    return Path(cache) / "meilisearch-1.21.0" / "meilisearch"


def meilisearch_binary() -> Path | None:
    """``MEILISEARCH_BIN``, then ``meilisearch`` on PATH, then the cache: the first that is 1.21.x."""
    candidates = [os.environ.get("MEILISEARCH_BIN"), shutil.which("meilisearch"), str(cached_binary())]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and _is_1_21(Path(candidate)):
            return Path(candidate)
    return None


@dataclass
class MeilisearchServer:
    """One Meilisearch process on its own database; :meth:`stop` and :meth:`start` keep the data
    and the port, so a client built before an outage talks to the same server after it."""

    binary: Path
    data: Path
    port: int = field(default_factory=free_port)
    api_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.data / "meilisearch.log"

    def unique_uid(self, prefix: str = "test") -> str:
        """An index uid no other test uses on this shared server."""
        return f"{prefix}_{uuid.uuid4().hex[:12]}"

    def start(self, timeout: float = 30.0) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    "--db-path",
                    str(self.data / "db"),
                    "--dump-dir",
                    str(self.data / "dumps"),
                    "--snapshot-dir",
                    str(self.data / "snapshots"),
                    "--http-addr",
                    f"127.0.0.1:{self.port}",
                    # One argument: a key drawn with a leading "-" would read as an option.
                    f"--master-key={self.api_key}",
                    "--env",
                    "development",
                    "--no-analytics",
                    "--log-level",
                    "WARN",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in pytest does not reach it before teardown does
            )
        self._wait_healthy(timeout)

    def _wait_healthy(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:  # noqa: S310
                    if json.loads(response.read()).get("status") == "available":
                        return
            except (OSError, ValueError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Meilisearch did not become healthy on {self.url}:\n{tail}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 10 s) and wait until the port is closed."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def running_meilisearch(binary: Path, data: Path) -> Iterator[MeilisearchServer]:
    """A started server on ``data``, stopped on exit whatever happens."""
    server = MeilisearchServer(binary=binary, data=data)
    server.start()
    try:
        yield server
    finally:
        server.stop()
