"""Listings over time, in a real browser on a phone-sized screen: a neighbour keeps a listing
aside ("Garder de côté", toggled in place) and finds it on /favoris; its author withdraws it and
puts it back online in one click ("Republier"); a link to a members-only listing opened logged
out answers the 404 that offers to log in, and a member who does lands back on the listing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, member_of, screenshot
from tests.stories import PASSWORD, command_line_community

pytestmark = pytest.mark.browser

SLUG = "vide-grenier-favoris"
HIDDEN = "entre-voisins-favoris"
ADMIN = "admin@favoris.test"


@pytest.fixture(scope="module")
def groups(live_server: LiveServer) -> tuple[str, str]:
    public = command_line_community(
        live_server.cli, SLUG, name="Vide-grenier", admin_email=ADMIN, pickup_areas=["Gambetta"],
        template="vide-grenier",
    )  # fmt: skip
    # The same admin runs the members-only group (one command fewer than a new admin's).
    live_server.cli(
        "communities", "create", "--slug", HIDDEN, "--name", "Entre voisins", "--visibility=members",
        "--pickup-area=Gambetta", "--template", "vide-grenier", "--admin-email", ADMIN,
    )  # fmt: skip
    hidden = HIDDEN
    return public, hidden


def post(page: Any, server: LiveServer, slug: str, title: str) -> str:
    page.goto(f"{server.url}/listings/new?community={slug}")
    page.select_option("#kind", "give")
    page.select_option("#category_id", label="Maison")
    page.fill("#title", title)
    page.get_by_role("button", name="Publier", exact=True).click()
    page.wait_for_url(re.compile(r"/listings/[0-9a-f-]{36}$"))
    return str(page.url)


def test_keep_aside_relist_and_come_back_to_a_members_only_link(
    live_server: LiveServer, groups: tuple[str, str], new_page: Any
) -> None:
    server = live_server
    author = member_of(new_page, server, SLUG, "ines@favoris.test", "Inès")
    listing_url = post(author, server, SLUG, "Lampe de chevet en laiton")

    neighbour = member_of(new_page, server, SLUG, "yann@favoris.test", "Yann")
    neighbour.goto(listing_url)
    neighbour.get_by_role("button", name="☆ Garder de côté").click()
    neighbour.get_by_role("button", name="Retirer de mes favoris").wait_for()
    assert neighbour.url == listing_url  # swapped in place, no new page
    # Sharing: no share sheet on a desktop-like browser, so "Copier le lien" copies it.
    neighbour.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    neighbour.get_by_role("button", name="Copier le lien").click()
    neighbour.get_by_text("Lien copié.").wait_for()
    # The site's public address (MARKETPLACE_BASE_URL), whatever Host the page was asked with.
    copied = neighbour.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("http") and copied.endswith(listing_url.removeprefix(server.url))
    screenshot(neighbour, "favourites-1-kept")
    neighbour.get_by_role("link", name="Mes favoris").first.click()
    neighbour.wait_for_url(re.compile(r"/favoris$"))
    assert "Lampe de chevet en laiton" in neighbour.locator("main").inner_text()

    author.goto(listing_url)
    author.get_by_role("button", name="Retirer l'annonce").click()
    author.wait_for_load_state()
    author.get_by_role("button", name="Republier").click()
    author.wait_for_url(listing_url)
    assert "de nouveau en ligne" in author.content()
    screenshot(author, "favourites-2-relisted")
    neighbour.reload()
    assert "Toujours en ligne" in neighbour.content()

    # A members-only listing: the author joins that group and posts there.
    author.goto(f"{server.url}/communities/{HIDDEN}/about")
    author.get_by_role("button", name="Rejoindre").click()
    author.wait_for_load_state()
    hidden_url = post(author, server, HIDDEN, "Trottinette rouge")

    stranger = new_page()
    stranger.goto(hidden_url)
    assert "Trottinette" not in stranger.content()
    screenshot(stranger, "favourites-3-members-only-404")
    stranger.locator("main").get_by_role("link", name="Se connecter").click()
    stranger.wait_for_url(re.compile(r"/login\?next="))
    log_in_here(stranger, "ines@favoris.test")
    stranger.wait_for_url(hidden_url)
    assert "Trottinette rouge" in stranger.locator("h1").inner_text()


def log_in_here(page: Any, email: str) -> None:
    """Log in on the login page already open (log_in() would open it afresh, without ``next``)."""
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
