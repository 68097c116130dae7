"""The moderation journey of issue 11, in a real browser on a phone-sized screen: a neighbour
reports a listing from its page ("Signaler"), a moderator finds it in the group's queue with the
reason, removes it with a reason of their own, and the author sees that reason (not who
reported); the decision is in the group's audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, log_in, member_of, screenshot
from tests.stories import command_line_community

pytestmark = pytest.mark.browser

SLUG = "vide-grenier-moderation"
ADMIN = "admin@moderation.test"


@pytest.fixture(scope="module")
def group(live_server: LiveServer) -> str:
    return command_line_community(
        live_server.cli,
        SLUG,
        name="Vide-grenier modéré",
        admin_email=ADMIN,
        pickup_areas=["Gambetta"],
        template="vide-grenier",
    )


def test_a_moderator_handles_a_report_from_the_queue(
    live_server: LiveServer, group: str, new_page: Any
) -> None:
    server = live_server
    author = member_of(new_page, server, SLUG, "sami@moderation.test", "Sami")
    author.goto(f"{server.url}/listings/new?community={SLUG}")
    author.select_option("#kind", "give")
    author.select_option("#category_id", label="Maison")
    author.fill("#title", "iPhone neuf à 20 euros")
    author.get_by_role("button", name="Publier", exact=True).click()
    author.wait_for_url(re.compile(r"/listings/[0-9a-f-]{36}$"))
    listing_url = author.url

    reporter = member_of(new_page, server, SLUG, "lea@moderation.test", "Léa")
    reporter.goto(listing_url)
    reporter.get_by_text("Signaler", exact=True).click()  # the <details> opens
    reporter.get_by_label("Publicité ou arnaque").check()
    reporter.fill("#report-details", "Sûrement une arnaque, le vendeur demande un virement.")
    screenshot(reporter, "moderation-1-report")
    reporter.get_by_role("button", name="Signaler aux modérateurs").click()
    reporter.wait_for_load_state()
    assert "les modérateurs du groupe vont regarder cette annonce" in reporter.content()

    moderator = new_page()
    log_in(moderator, server, ADMIN)
    moderator.goto(f"{server.url}/communities/{SLUG}/moderation")
    item = moderator.locator(".moderation-item", has_text="iPhone neuf à 20 euros")
    assert "Publicité ou arnaque" in item.inner_text()
    assert "le vendeur demande un virement" in item.inner_text() and "Léa" in item.inner_text()
    screenshot(moderator, "moderation-2-queue")
    item.locator("textarea[name='reason']").fill("Annonce trompeuse : pas de vente d'iPhone ici.")
    item.get_by_role("button", name="Supprimer l'annonce").click()
    moderator.wait_for_url(re.compile(rf"/communities/{SLUG}/moderation$"))
    assert "Annonce supprimée ; son auteur voit votre raison." in moderator.content()
    assert "Aucun signalement en attente" in moderator.content()

    author.goto(listing_url)
    removed = author.content()
    assert "supprimée par la modération" in removed and "pas de vente d'iPhone ici" in removed
    assert "Léa" not in removed
    screenshot(author, "moderation-3-removed")

    moderator.get_by_role("link", name="Journal de modération").click()
    moderator.wait_for_url(re.compile(rf"/communities/{SLUG}/audit$"))
    line = moderator.locator(".audit-log li").first
    assert "Annonce supprimée" in line.inner_text() and "Sami" in line.inner_text()
    assert "pas de vente d'iPhone ici" in line.inner_text()
    screenshot(moderator, "moderation-4-audit")
