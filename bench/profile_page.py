"""Where one page's time goes: the app in this process, the page asked N times under pyinstrument.

Run from the project root, on a data directory set up by ``bench/scale.py --keep DIR``:

    .venv/bin/pip install -e ".[bench]"                      # pyinstrument
    .venv/bin/python bench/profile_page.py DIR/var / --rounds 20
    .venv/bin/python bench/profile_page.py DIR/var /my/listings --login grande-videuse@scale.bench
    .venv/bin/python bench/profile_page.py DIR/var /communities/vide-grenier-20 --sql

The app is created as ``marketplace run`` would (its settings from the environment, pointed at
``DIR``), its lifespan entered, and the page asked through an in-process ASGI transport, so that
the profile holds the whole request in one thread: middlewares, handler, SQL, template. With
``--sql`` it prints each statement the page sends instead, timed again on its own through
``sqlite3`` (SQLite data directories only), with the plan of those over 2 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import httpx  # noqa: E402
from pyinstrument import Profiler  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench.scale import PASSWORD  # noqa: E402
from marketplace.app import create_app  # noqa: E402
from marketplace.settings import load_settings  # noqa: E402

SLOW_STATEMENT_MS = 2.0


async def profile(path: str, rounds: int, login: str | None, sql: bool) -> None:
    settings = dataclasses.replace(load_settings(), run_worker_in_app=False)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        if login:
            await client.get("/login")
            token = client.cookies.get("csrftoken", "")
            answer = await client.post(
                "/login", data={"email": login, "password": PASSWORD}, headers={"x-csrftoken": token}
            )
            if answer.status_code != 303:
                sys.exit(f"could not log in as {login}: {answer.status_code}")
        for _ in range(3):  # warm-up: templates compiled, caches filled
            response = await client.get(path)
            if response.status_code != 200:
                sys.exit(f"{path} answered {response.status_code}: {response.text[:300]}")
        if sql:
            await print_statements(client, path, settings.database.url)
            return
        durations = []
        profiler = Profiler(async_mode="enabled", interval=0.0005)
        profiler.start()
        for _ in range(rounds):
            started = time.perf_counter()
            await client.get(path)
            durations.append((time.perf_counter() - started) * 1000)
        profiler.stop()
    print(f"{path}: median {statistics.median(durations):.1f} ms over {rounds} requests (profiled)")
    print(profiler.output_text(unicode=False, color=False, show_all=False))


async def print_statements(client: httpx.AsyncClient, path: str, url: str) -> None:
    if not url.startswith("sqlite"):
        sys.exit("--sql times statements again through sqlite3: SQLite data directories only")
    sent: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", grab)
    try:
        await client.get(path)
    finally:
        event.remove(Engine, "before_cursor_execute", grab)
    database = sqlite3.connect(url.split(":///", 1)[1])
    for statement, parameters in sent:
        started = time.perf_counter()
        database.execute(statement, parameters).fetchall()
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{elapsed:7.2f} ms  {' '.join(statement.split())[:160]}")
        if elapsed > SLOW_STATEMENT_MS:
            for row in database.execute("EXPLAIN QUERY PLAN " + statement, parameters):
                print(f"             {row[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("data_dir", type=Path, help="the MARKETPLACE_DATA_DIR to read")
    parser.add_argument("path", help="the page, e.g. / or /communities/vide-grenier-20?page=200")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--login", help="an account of bench/scale.py to ask the page as")
    parser.add_argument("--sql", action="store_true", help="the page's statements rather than a profile")
    arguments = parser.parse_args()
    os.environ["MARKETPLACE_DATA_DIR"] = str(arguments.data_dir.resolve())
    logging.disable(logging.INFO)  # httpx logs every request
    asyncio.run(profile(arguments.path, arguments.rounds, arguments.login, arguments.sql))


if __name__ == "__main__":
    main()
