"""The pages on a small phone (360 x 740): listings two by two, the header on one line, every
tap target at least 44 px high, and nothing wider than the screen, even with a 60-character
word in a listing's title and description."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser.conftest import LiveServer, log_in, screenshot
from tests.stories import PASSWORD

pytestmark = pytest.mark.browser

SLUG = "vide-grenier-telephone"
ADMIN = "admin@telephone.test"
LONG_WORD = "Anticonstitutionnellementextraordinairementinterminablement"  # 60 letters

# The interactive elements of the page, and for a box to tick its label (what a finger taps),
# that are smaller than 44 px high; links inside a sentence are exempt, as WCAG's target size
# criterion exempts them, but not a paragraph's only link ("← Retour au groupe").
SMALL_TARGETS = """() => {
  const small = [];
  const tappable = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const element of document.querySelectorAll(tappable)) {
    const box_to_tick = element.matches('input[type=checkbox], input[type=radio]');
    const target = box_to_tick ? (element.closest('label') || element) : element;
    const box = target.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // not shown, or visually hidden
    const inSentence = target.matches('a') && target.closest('p, li, dd, td, blockquote, small')
      && !target.closest('nav, .actions, .pagination, .chips, .listing-card')
      && !target.matches('p > a:only-child');
    const name = target.innerText || target.name;
    if (!inSentence && box.height < 44) small.push(`${target.tagName} "${name}" ${Math.round(box.height)}px`);
  }
  return small;
}"""
HEADER_LINES = """() => {
  const header = document.querySelector('.site-header');
  const tops = [...header.children].map(child => child.getBoundingClientRect())
    .filter(box => box.width > 1).map(box => Math.round(box.top + box.height / 2));
  return {height: header.getBoundingClientRect().height, spread: Math.max(...tops) - Math.min(...tops)};
}"""


@pytest.fixture(scope="module")
def long_listing(live_server: LiveServer) -> str:
    """A site admin's group with five listings, one of them with the long word; its title.
    Made through the API (one command for the account): the commands cost seconds each."""
    live_server.cli("users", "create", "--email", ADMIN, "--name", "Admin", "--password", PASSWORD, "--admin")
    with httpx.Client(base_url=live_server.url) as api:
        token = api.post("/api/v1/auth/tokens", json={"email": ADMIN, "password": PASSWORD}).json()["token"]
        api.headers["Authorization"] = f"Bearer {token}"
        created = api.post(
            "/api/v1/communities",
            json={"slug": SLUG, "name": "Vide-grenier au téléphone", "visibility": "public",
                  "join_policy": "open", "pickup_areas": ["Belleville"], "template": "vide-grenier"},
        )  # fmt: skip
        assert created.status_code == 201, created.text
        categories = api.get(f"/api/v1/communities/{SLUG}/categories").json()["items"]
        for number in range(5):
            posted = api.post(
                f"/api/v1/communities/{SLUG}/listings",
                json={
                    "category_id": categories[0]["id"],
                    "kind": "sell" if number % 2 else "give",
                    "price": 5 if number % 2 else None,
                    "title": f"Lampe {LONG_WORD}" if number == 0 else f"Chaise en bois numéro {number}",
                    "description": f"Très belle {LONG_WORD} à donner." if number == 0 else "Solide.",
                    "pickup_area": "Belleville",
                },
            )
            assert posted.status_code == 201, posted.text
    return f"Lampe {LONG_WORD}"


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_pages_fit_a_small_phone(live_server: LiveServer, long_listing: str, phone: Any) -> None:
    server = live_server
    log_in(phone, server, ADMIN)  # a site admin: the fullest header (the moderation badge too)

    phone.goto(f"{server.url}/")
    phone.locator(".moderation-link").wait_for()  # the badges are in before the header is measured
    grid = phone.locator(".grid:has(> .listing-card)")
    columns = grid.evaluate("grid => getComputedStyle(grid).gridTemplateColumns.split(' ').length")
    tops = [
        round(box["y"]) for box in (card.bounding_box() for card in grid.locator(".listing-card").all()[:2])
    ]
    assert columns == 2 and tops[0] == tops[1], (columns, tops)  # two cards side by side
    screenshot(phone, "phone-1-home")

    phone.get_by_role("link", name=long_listing).click()
    phone.wait_for_url(lambda url: "/listings/" in url)
    listing_url = phone.url
    screenshot(phone, "phone-2-long-word")

    pages = ["/", f"/communities/{SLUG}", listing_url.removeprefix(server.url), "/moderation", "/my/listings"]
    for path in pages:
        phone.goto(f"{server.url}{path}")
        phone.wait_for_load_state("networkidle")
        width = phone.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], (path, "scrolls sideways", width)
        header = phone.evaluate(HEADER_LINES)
        assert header["height"] < 64 and header["spread"] <= 4, (path, "header on more than one line", header)
        phone.evaluate(
            "() => document.querySelectorAll('details').forEach(details => { details.open = true; })"
        )
        small = phone.evaluate(SMALL_TARGETS)
        assert not small, (path, "tap targets under 44 px", small)
    assert phone.locator(".site-menu .menu-panel a[href='/my/listings']").is_visible()  # the menu, opened
