"""The real app served for a bench: ``marketplace run`` on a free loopback port, in its own process.

What a neighbour's browser reaches (uvicorn, the middlewares, the database), measured from
another process over HTTP, rather than the app called in process by a test client."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

START_TIMEOUT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def marketplace_command() -> str:
    """The ``marketplace`` entry point beside this Python (the project's virtual environment)."""
    return str(Path(sys.executable).with_name("marketplace"))


@contextmanager
def running_app(environment: Mapping[str, str], log_path: Path, workers: int = 1) -> Iterator[str]:
    """``marketplace run`` with ``environment`` until the block ends; yields its base URL.

    The database must be migrated already. On failure, the end of the app's log is printed."""
    port = free_port()
    serve = ["run", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    log = log_path.open("wb")
    server = subprocess.Popen(
        [marketplace_command(), *serve], env=dict(environment), stdout=log, stderr=subprocess.STDOUT
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if httpx.get(base_url + "/ready", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start: see {log_path}")
            time.sleep(0.2)
        yield base_url
    except BaseException:
        log.flush()
        print(f"the app's log ends with:\n{''.join(log_path.read_text().splitlines(True)[-40:])}")
        raise
    finally:
        server.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown, like Ctrl-C
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
