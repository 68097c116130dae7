"""The real app served by uvicorn in its own process, on a free loopback port, with its own data.

Used by the browser journeys and by the API fuzzing: what they test is what `marketplace run`
serves, not an in-process test client.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    log: Path

    def cli(self, *arguments: str) -> str:
        """Run the ``marketplace`` command against this server's data, as an operator would."""
        result = subprocess.run(
            [sys.executable, "-m", "marketplace.cli", *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout


@contextmanager
def serve(data: Path, *, prepare: tuple[tuple[str, ...], ...] = ()) -> Iterator[LiveServer]:
    """Start ``marketplace run`` on fresh SQLite data under ``data``; ``prepare`` runs CLI commands
    first (``("demo",)`` loads the demo data)."""
    port = free_port()
    env = {
        **os.environ,
        "MARKETPLACE_DATA_DIR": str(data / "var"),
        "MARKETPLACE_MEDIA_ROOT": str(data / "media"),
        "MARKETPLACE_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'var' / 'marketplace.db'}",
        "MARKETPLACE_EMBEDDED_WORKER": "false",
    }
    log_path = data / "server.log"
    server_stub = LiveServer(url=f"http://127.0.0.1:{port}", env=env, log=log_path)
    for command in prepare:
        server_stub.cli(*command)
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "marketplace.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{server_stub.url}/ready", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            log.close()
            pytest.fail(f"the server did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    try:
        yield server_stub
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
