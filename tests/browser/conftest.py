"""Browser journeys: the real app served by uvicorn, driven by Debian's Chromium through Playwright.

The server runs in its own process on a free port with a fresh SQLite database and media
directory. Screenshots go to ``test-artifacts/`` (ignored by git) for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, PASSWORD, unavailable
from tests.live_server import LiveServer, serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Module scope: Playwright's sync API keeps an event loop running while it is open, which
    # must not outlive the browser tests (they run last, see tests/conftest.py).
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``new_page()`` opens a fresh browser profile (one person) sized like a phone."""
    contexts: list[Any] = []

    def make(locale: str = "fr-FR") -> Any:
        context = chromium.new_context(locale=locale, viewport={"width": 390, "height": 844})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def register(page: Any, server: LiveServer, email: str, name: str) -> None:
    """Sign up as a neighbour does: the form, the link of the confirmation e-mail (the live
    server's console sink writes each mail under its data directory), then log in."""
    page.goto(f"{server.url}/register")
    page.fill("#email", email)
    page.fill("#display_name", name)
    page.fill("#password", PASSWORD)
    page.click("form[action='/register'] button[type=submit]")
    page.wait_for_selector("text=Vérifiez votre boîte mail")
    page.goto(f"{server.url}{verification_path(server, email)}")
    page.click("form[action^='/account/verify/'] button[type=submit]")
    page.wait_for_load_state()
    log_in(page, server, email)


def verification_path(server: LiveServer, email: str) -> str:
    """The path of the latest confirmation link mailed to ``email``: the server writes the mail
    just after its answer (accounts/mail.py), so it is waited for, up to 15 s."""
    deadline = time.monotonic() + 15
    while True:
        mails = sorted(
            (Path(server.env["MARKETPLACE_DATA_DIR"]) / "mail").glob("*.eml"),
            key=lambda path: path.stat().st_mtime,
        )
        for path in reversed(mails):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if email in str(message["To"]):
                body = message.get_body(("plain",))
                found = re.search(r"/account/verify/[A-Za-z0-9_\-]+", body.get_content() if body else "")
                if found:
                    return found.group(0)
        if time.monotonic() > deadline:
            raise AssertionError(f"no confirmation link mailed to {email}")
        time.sleep(0.1)


def log_in(page: Any, server: LiveServer, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


def member_of(new_page: Any, server: LiveServer, slug: str, email: str, name: str) -> Any:
    """A neighbour in their own browser, member of the open group ``slug`` (an account the operator
    made, so that the journey does not depend on how registration confirms an address)."""
    server.cli("users", "create", "--email", email, "--name", name, "--password", PASSWORD)
    page = new_page()
    log_in(page, server, email)
    page.goto(f"{server.url}/communities/{slug}/about")
    page.get_by_role("button", name="Rejoindre").click()
    page.wait_for_load_state()
    return page


__all__ = ["IN_CI", "LiveServer", "log_in", "member_of", "register", "screenshot"]
