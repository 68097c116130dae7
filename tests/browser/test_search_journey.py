"""The search journeys of issue 8, in a real browser on a phone-sized screen: a neighbour types
with a typo, filters by size, sorts by price and opens a result; the search that finds nothing
offers to post a "wanted"; a member writing a listing sees what already matches.

The app runs as in the default install (embedded index, the indexer inside the app process),
with the evaluation corpus imported by ``marketplace import listings``. Screenshots of the
search page, the empty state and the form with suggestions go to /tmp/screens/discovery/."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, log_in
from tests.live_server import free_port
from tests.stories import command_line_community

pytestmark = pytest.mark.browser

CORPUS = Path(__file__).resolve().parents[1] / "data" / "search-eval" / "listings.jsonl"
SCREENS = Path("/tmp/screens/discovery")
SLUG = "entraide-recherche"
ADMIN = "admin@search-journey.test"


def screenshot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``marketplace run`` in the embedded mode, its indexer on (the shared live server runs
    without one), with the corpus imported and indexed, and a group run by ADMIN."""
    data = tmp_path_factory.mktemp("search-journey")
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
    live.cli("import", "listings", "--create-communities", str(CORPUS))
    command_line_community(
        live.cli, SLUG, name="Entraide du parcours", admin_email=ADMIN, pickup_areas=["Gambetta"],
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
            _wait_until_indexed(live, process)
            yield live
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_indexed(live: LiveServer, process: subprocess.Popen[bytes]) -> None:
    """Until the app answers and its indexer has taken the corpus (the search finds it all)."""
    findable = sum(
        1 for line in CORPUS.read_text().splitlines() if re.search(r'"status": "(available|reserved)"', line)
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            if _get_json(f"{live.url}/api/v1/search?per_page=1")["total"] >= findable:
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the app did not index the corpus:\n{live.log.read_text()[-3000:]}")
        time.sleep(0.2)


def hit_titles(page: Any) -> list[str]:
    return [title.strip() for title in page.locator("ol.hits article.hit h3").all_inner_texts()]


def test_a_neighbour_finds_with_a_typo_filters_by_size_sorts_by_price_and_opens_a_result(
    server: LiveServer, new_page: Any
) -> None:
    visitor = new_page()
    visitor.goto(f"{server.url}/")
    visitor.fill("#header-q", "poussete")  # the header's box, on every page
    visitor.press("#header-q", "Enter")
    visitor.wait_for_url(re.compile(r"/recherche\?q=poussete"))
    assert any("Poussette" in title for title in hit_titles(visitor)[:3])

    visitor.fill("#search-q", "vetments")  # results follow the typing (htmx, debounced)
    visitor.wait_for_url(re.compile(r"q=vetments"))
    visitor.wait_for_function("() => document.querySelector('ol.hits')?.innerText.includes('Doudoune')")
    assert len(hit_titles(visitor)) > 10
    screenshot(visitor, "1-search-typo")

    visitor.get_by_role("link", name="Filtrer").click()  # on a phone the filters follow the results
    visitor.locator("fieldset[data-facet='size'] input[value='6 ans']").check()
    visitor.wait_for_url(re.compile(r"size=6(\+|%20)ans"))
    visitor.wait_for_function("() => document.querySelectorAll('ol.hits article.hit').length === 3")
    assert "Doudoune légère 6 ans" in hit_titles(visitor)
    assert visitor.locator("fieldset[data-facet='size'] input[value='6 ans']").is_checked()

    visitor.select_option("#sort", "price_desc")
    visitor.wait_for_url(re.compile(r"sort=price_desc"))
    visitor.wait_for_function(
        "() => document.querySelector('ol.hits article.hit h3')?.innerText.includes('Doudoune')"
    )
    titles = hit_titles(visitor)
    assert titles[0] == "Doudoune légère 6 ans", titles  # 15 €, then 10 €, then the swap
    prices = visitor.locator("ol.hits article.hit .price").all_inner_texts()
    assert [price.split(",")[0] for price in prices] == ["15", "10"]
    screenshot(visitor, "2-search-filtered-sorted")

    visitor.go_back()  # the state is in the URL: back undoes the sort
    visitor.wait_for_url(lambda url: "sort=" not in url)
    visitor.go_forward()
    visitor.wait_for_url(re.compile(r"sort=price_desc"))

    visitor.locator("ol.hits article.hit h3 a").first.click()
    visitor.wait_for_url(re.compile(r"/listings/[0-9a-f-]+$"))
    assert "Doudoune légère 6 ans" in visitor.locator("h1").inner_text()


def test_an_empty_search_offers_to_post_a_wanted_with_the_query(server: LiveServer, new_page: Any) -> None:
    admin = new_page()
    log_in(admin, server, ADMIN)
    admin.goto(f"{server.url}/recherche?q=trampoline")
    offer = admin.get_by_role("link", name=re.compile("Publier une recherche"))
    assert "trampoline" in offer.inner_text()
    screenshot(admin, "3-empty-state")
    offer.click()
    admin.wait_for_url(re.compile(r"/listings/new\?"))
    assert admin.locator("#kind").input_value() == "wanted"
    assert admin.locator("#title").input_value() == "trampoline"


def test_a_member_writing_a_listing_sees_what_already_matches(server: LiveServer, new_page: Any) -> None:
    member = new_page()
    log_in(member, server, ADMIN)
    member.goto(f"{server.url}/listings/new?{urllib.parse.urlencode({'community': SLUG})}")
    member.select_option("#kind", "wanted")
    member.locator("#title").press_sequentially("Cherche poussette", delay=30)
    suggestions = member.locator("#before-posting")
    suggestions.get_by_text("Déjà proposé dans le quartier").wait_for()
    assert "Poussette" in suggestions.inner_text()
    screenshot(member, "4-form-with-offers")

    member.select_option("#kind", "give")
    member.locator("#title").fill("")
    member.locator("#title").press_sequentially("Donne combinaison de ski", delay=30)
    suggestions.get_by_text("Des voisins cherchent ça").wait_for()
    assert "Cherche combinaison de ski 18 mois" in suggestions.inner_text()
    screenshot(member, "5-form-with-wanted")

    member.select_option("#category_id", label="Maison")
    member.get_by_role("button", name="Publier", exact=True).click()  # the form posts as ever
    member.wait_for_url(re.compile(r"/listings/[0-9a-f-]+$"))
    assert "Donne combinaison de ski" in member.locator("h1").inner_text()
