"""The journey of issue 2, in a real browser: join a members-only group, get approved, post,
be found by another member, and stay invisible to a neighbour who is not a member."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, log_in, register, screenshot
from tests.stories import command_line_community

pytestmark = pytest.mark.browser

SLUG = "vide-dressing-journey"
QUESTION = "Dans quel quartier du 20e habitez-vous ?"


@pytest.fixture(scope="module")
def group(live_server: LiveServer) -> str:
    return command_line_community(
        live_server.cli,
        SLUG,
        name="Vide-dressing du parcours",
        admin_email="admin@journey.test",
        pickup_areas=["Belleville", "Gambetta"],
        template="vide-dressing",
        visibility="members",
        join_policy="approval",
        join_question=QUESTION,
    )


def ask_to_join(page: Any, server: LiveServer, answer: str) -> None:
    page.goto(f"{server.url}/communities/{SLUG}/about")
    page.get_by_label(QUESTION).fill(answer)
    page.get_by_role("button", name="Demander à rejoindre").click()
    page.wait_for_load_state()


def approve(admin: Any, server: LiveServer, display_name: str) -> None:
    admin.goto(f"{server.url}/communities/{SLUG}/members")
    applicant = (
        admin.locator("li, tr, article")
        .filter(has_text=display_name)
        .filter(has=admin.get_by_role("button", name="Accepter"))
        .first
    )
    applicant.get_by_role("button", name="Accepter").click()
    admin.wait_for_load_state()


def test_members_only_group_journey(live_server: LiveServer, group: str, new_page: Any) -> None:
    server = live_server
    nadia = new_page()
    register(nadia, server, "nadia@journey.test", "Nadia")
    ask_to_join(nadia, server, "J'habite à Belleville, rue des Couronnes.")
    assert "en attente" in nadia.content()
    screenshot(nadia, "journey-1-pending")

    admin = new_page()
    log_in(admin, server, "admin@journey.test")
    admin.goto(f"{server.url}/communities/{SLUG}/members")
    assert "rue des Couronnes" in admin.content()  # the moderator reads the applicant's answer
    screenshot(admin, "journey-2-applicants")
    approve(admin, server, "Nadia")

    nadia.goto(f"{server.url}/listings/new?community={SLUG}")
    nadia.select_option("#kind", "give")
    nadia.select_option("#category_id", label="Vêtements bébé")
    nadia.fill("#title", "Gigoteuse Petit Bateau 6-18 mois")
    nadia.fill("#description", "Gigoteuse d'hiver, très douce, lavée et prête.")
    nadia.get_by_role("button", name="Publier").click()
    nadia.wait_for_url(re.compile(r"/listings/[0-9a-f-]{36}$"))
    listing_url = nadia.url
    assert "Gigoteuse Petit Bateau" in nadia.content()
    screenshot(nadia, "journey-3-listing")

    karim = new_page()
    register(karim, server, "karim@journey.test", "Karim")
    ask_to_join(karim, server, "Du côté de Gambetta.")
    approve(admin, server, "Karim")
    karim.goto(f"{server.url}/communities/{SLUG}")
    assert "Gigoteuse Petit Bateau" in karim.content()
    screenshot(karim, "journey-4-found-by-member")

    zoe = new_page()
    register(zoe, server, "zoe@journey.test", "Zoé")
    zoe.goto(f"{server.url}/communities/{SLUG}")
    assert "Gigoteuse Petit Bateau" not in zoe.content()
    assert "Rejoindre ce groupe" in zoe.content()  # the group exists and says how to join
    response = zoe.goto(listing_url)
    assert response is not None and response.status == 404
    assert "Gigoteuse" not in zoe.content()
    screenshot(zoe, "journey-5-non-member")
