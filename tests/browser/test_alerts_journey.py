"""The alerts journey of issue 11, in a real browser on a phone-sized screen: a member saves a
search from the search page ("Créer une alerte"), another posts a matching listing, and the
first sees the alert appear (the notifications badge, the alerts page) and opens the listing.

The app runs as in the default install: embedded index, and the worker (indexer, matcher)
inside the app process. Screenshots go to /tmp/screens/alerts/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, log_in, member_of
from tests.live_server import free_port
from tests.stories import command_line_community

pytestmark = pytest.mark.browser

SCREENS = Path("/tmp/screens/alerts")
SLUG = "vide-grenier-alertes"
ADMIN = "admin@alertes.test"
PATIENCE_SECONDS = 30


def screenshot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``marketplace run`` with its worker on (the shared live server runs without one)."""
    data = tmp_path_factory.mktemp("alerts-journey")
    port = free_port()
    env = {
        **os.environ,
        "MARKETPLACE_DATA_DIR": str(data / "var"),
        "MARKETPLACE_MEDIA_ROOT": str(data / "media"),
        "MARKETPLACE_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'var' / 'marketplace.db'}",
        "MARKETPLACE_EMBEDDED_WORKER": "true",
    }
    for name in ("MEILISEARCH_URL", "MEILISEARCH_API_KEY"):
        env.pop(name, None)
    live = LiveServer(url=f"http://127.0.0.1:{port}", env=env, log=data / "server.log")
    command_line_community(
        live.cli, SLUG, name="Vide-grenier des alertes", admin_email=ADMIN, pickup_areas=["Gambetta"],
        template="vide-grenier",
    )  # fmt: skip
    with live.log.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "marketplace.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{live.url}/ready", timeout=2) as response:  # noqa: S310
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start:\n{live.log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield live
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_a_saved_search_tells_its_member_of_a_new_matching_listing(server: LiveServer, new_page: Any) -> None:
    lea = member_of(new_page, server, SLUG, "lea@alertes.test", "Léa")
    lea.goto(f"{server.url}/recherche?q=trottinette")
    lea.get_by_role("button", name="Créer une alerte").click()
    lea.wait_for_url(re.compile(r"/alertes/nouvelle\?"))
    assert "trottinette" in lea.locator("main").inner_text()
    screenshot(lea, "1-alert-form")
    lea.get_by_role("button", name="Créer l'alerte").click()
    lea.wait_for_url(re.compile(r"/alertes$"))
    assert "trottinette" in lea.locator("ul.alerts").inner_text()
    assert "Rien de nouveau" in lea.locator("ul.alerts").inner_text()

    omar = member_of(new_page, server, SLUG, "omar@alertes.test", "Omar")
    omar.goto(f"{server.url}/listings/new?community={SLUG}")
    omar.select_option("#kind", "give")
    omar.select_option("#category_id", label="Sport et loisirs")
    omar.fill("#title", "Trottinette trois roues")
    omar.get_by_role("button", name="Publier", exact=True).click()
    omar.wait_for_url(re.compile(r"/listings/[0-9a-f-]{36}$"))
    listing_url = omar.url

    # The worker indexes the listing, then the matcher tells Léa: her badge shows it.
    deadline = time.monotonic() + PATIENCE_SECONDS
    badge = lea.locator(".notifications-link .unread-count")
    while True:
        lea.goto(f"{server.url}/alertes")
        if "Trottinette trois roues" in lea.locator("ul.alerts").inner_text():
            break
        assert time.monotonic() < deadline, "the alert did not arrive"
        time.sleep(0.5)
    badge.wait_for()
    assert badge.inner_text().strip() == "1"
    screenshot(lea, "2-alert-with-match")

    lea.goto(f"{server.url}/notifications")
    assert "Nouvelle annonce pour votre alerte « trottinette »" in lea.locator("main").inner_text()
    lea.locator("ul.alerts, ul.notifications").get_by_role("button", name="Voir l'annonce").first.click()
    lea.wait_for_url(listing_url)
    assert "Trottinette trois roues" in lea.locator("h1").inner_text()
    screenshot(lea, "3-listing-opened")


def test_a_wanted_listings_author_and_the_offer_page(server: LiveServer, new_page: Any) -> None:
    nina = member_of(new_page, server, SLUG, "nina@alertes.test", "Nina")
    nina.goto(f"{server.url}/listings/new?community={SLUG}&kind=wanted")
    nina.select_option("#kind", "wanted")
    nina.select_option("#category_id", label="Puériculture")
    nina.fill("#title", "Cherche chaise haute")
    nina.get_by_role("button", name="Publier", exact=True).click()
    nina.wait_for_url(re.compile(r"/listings/[0-9a-f-]{36}$"))

    admin = new_page()
    log_in(admin, server, ADMIN)
    admin.goto(f"{server.url}/listings/new?community={SLUG}")
    admin.select_option("#kind", "give")
    admin.select_option("#category_id", label="Puériculture")
    admin.fill("#title", "Chaise haute en bois")
    admin.get_by_role("button", name="Publier", exact=True).click()
    admin.wait_for_url(re.compile(r"/listings/[0-9a-f-]{36}$"))
    # The post-confirmation fills in by itself once the worker has matched the offer.
    admin.get_by_text("1 voisin cherche ça").wait_for(timeout=PATIENCE_SECONDS * 1000)
    assert "Cherche chaise haute" in admin.locator("#wanted-by").inner_text()
    screenshot(admin, "4-offer-wanted-by")
