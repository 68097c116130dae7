"""The exchange journeys of issue 9, in a real browser, between neighbours in their own browsers:
interest with a first message, messages both ways that appear without reloading, the
reservation, the hand-over and the thanks; and a fair draw run by the worker."""

from __future__ import annotations

import dataclasses
import datetime
import re
import threading
from pathlib import Path
from typing import Any

import anyio
import pytest

from marketplace.exchanges.scheduled import run_due_draws
from marketplace.settings import DatabaseSettings, MediaSettings, load_settings
from marketplace.worker import WorkerOptions, open_worker, utc_now
from tests.browser.conftest import LiveServer, register, screenshot
from tests.stories import command_line_community

pytestmark = pytest.mark.browser

SLUG = "vide-grenier-echanges"
PATIENCE_SECONDS = 20


@pytest.fixture(scope="module")
def group(live_server: LiveServer) -> str:
    return command_line_community(
        live_server.cli,
        SLUG,
        name="Vide-grenier des échanges",
        admin_email="admin@echanges.test",
        pickup_areas=["Belleville", "Jourdain"],
        template="vide-grenier",
    )


def neighbour(new_page: Any, server: LiveServer, email: str, name: str) -> Any:
    """A neighbour in their own browser, registered and member of the group."""
    page = new_page()
    register(page, server, email, name)
    page.goto(f"{server.url}/communities/{SLUG}/about")
    page.get_by_role("button", name="Rejoindre").click()
    page.wait_for_load_state()
    return page


def give(page: Any, server: LiveServer, title: str) -> str:
    """Post a gift from the form; returns the listing's address."""
    page.goto(f"{server.url}/listings/new?community={SLUG}")
    page.select_option("#kind", "give")
    page.select_option("#category_id", label="Maison")
    page.fill("#title", title)
    page.select_option("#pickup_area", "Jourdain")
    page.get_by_role("button", name="Publier", exact=True).click()
    page.wait_for_url(re.compile(r"/listings/[0-9a-f-]{36}$"))
    return str(page.url)


def show_interest(page: Any, listing_url: str, message: str) -> None:
    page.goto(listing_url)
    page.fill("#message", message)
    page.get_by_role("button", name="Je suis intéressé·e").click()
    page.wait_for_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))


def listening(page: Any) -> None:
    """The open conversation page listens to its live stream; a mark tells if it ever reloads."""
    page.locator("#thread[data-live='on']").wait_for()
    page.evaluate("window.stillTheSamePage = true")


def write(page: Any, body: str) -> None:
    page.fill("#body", body)
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_load_state()


def appears_without_reload(page: Any, body: str) -> None:
    page.locator("#thread .message-body", has_text=body).wait_for()
    assert page.evaluate("window.stillTheSamePage === true")  # the same page: nothing reloaded it


def test_two_neighbours_exchange_messages_reserve_give_and_thank(
    live_server: LiveServer, group: str, new_page: Any
) -> None:
    server = live_server
    nadia = neighbour(new_page, server, "nadia@echanges.test", "Nadia")
    listing_url = give(nadia, server, "Fauteuil en rotin")

    karim = neighbour(new_page, server, "karim@echanges.test", "Karim")
    karim.goto(listing_url)
    assert karim.get_by_role("button", name="Je suis intéressé·e").is_visible()
    screenshot(karim, "exchanges-1-listing-interest")
    show_interest(karim, listing_url, "Bonjour Nadia, je peux passer le chercher samedi ?")
    assert "Message envoyé" in karim.content()
    listening(karim)

    nadia.goto(f"{server.url}/")
    nadia.locator(".messages-link .unread-count", has_text="1").wait_for()  # the header's badge
    nadia.goto(f"{server.url}/conversations")
    inbox_item = nadia.locator(".inbox-item", has_text="Fauteuil en rotin")
    assert "Karim" in inbox_item.inner_text() and "samedi" in inbox_item.inner_text()
    screenshot(nadia, "exchanges-2-inbox")
    inbox_item.get_by_role("link", name="Fauteuil en rotin").click()
    nadia.wait_for_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))
    listening(nadia)

    write(nadia, "Avec plaisir ! Samedi 10 h au métro Jourdain ?")
    appears_without_reload(karim, "Samedi 10 h au métro Jourdain")
    listening(nadia)  # her own send was a form post: a new page
    write(karim, "Parfait, à samedi !")
    appears_without_reload(nadia, "Parfait, à samedi")
    screenshot(karim, "exchanges-3-conversation")

    nadia.goto(listing_url)
    line = nadia.locator("ol.queue li", has_text="Karim")
    line.get_by_role("button", name="Réserver pour Karim").click()
    nadia.wait_for_load_state()
    assert "réservé pour cette personne" in nadia.locator("ol.queue").inner_text()
    screenshot(nadia, "exchanges-4-reservation-line")
    karim.goto(listing_url)
    assert "Réservé pour vous ! Quartier de remise : Jourdain" in karim.content()

    nadia.get_by_role("button", name="Marquer comme terminée (donnée, vendue, échangée)").click()
    nadia.wait_for_load_state()
    assert "merci d'avoir fait circuler cet objet" in nadia.content()

    karim.goto(listing_url)
    karim.fill("#thanks", "Merci Nadia, il est parfait sur mon balcon !")
    karim.get_by_role("button", name="Confirmer la remise et dire merci").click()
    karim.wait_for_load_state()
    assert "Merci transmis" in karim.content()
    screenshot(karim, "exchanges-5-thanks")

    nadia.goto(listing_url)
    assert "1 objet passé à un voisin" in nadia.content() and "1 merci reçu" in nadia.content()
    nadia.locator(".exchange").get_by_role("link", name="Nadia").click()  # her giving record
    nadia.wait_for_url(re.compile(r"/people/[0-9a-f-]{36}$"))
    assert "il est parfait sur mon balcon" in nadia.content()


def worker_pass_at(server: LiveServer, moment: datetime.datetime) -> int:
    """One pass of the worker's draw job on the served app's database, its clock at ``moment``.

    In a thread of its own: Playwright's sync API keeps an event loop on this one."""
    settings = dataclasses.replace(
        load_settings(),
        data_dir=Path(server.env["MARKETPLACE_DATA_DIR"]),
        database=DatabaseSettings(url=server.env["MARKETPLACE_DATABASE_URL"]),
        media=MediaSettings(root=Path(server.env["MARKETPLACE_MEDIA_ROOT"])),
    )
    passes: list[int] = []

    async def one_pass() -> None:
        options = WorkerOptions(clock=lambda: moment)
        async with (
            open_worker(settings, [run_due_draws], options) as worker,
            anyio.create_task_group() as tasks,
        ):
            tasks.start_soon(worker.run)
            with anyio.fail_after(PATIENCE_SECONDS):
                passes.append(await worker.runs(run_due_draws).wait_for_pass(after=0))
            tasks.cancel_scope.cancel()
        assert worker.runs(run_due_draws).failures == 0, worker.runs(run_due_draws).last_error

    thread = threading.Thread(target=anyio.run, args=(one_pass,))
    thread.start()
    thread.join(PATIENCE_SECONDS + 5)
    assert passes, "the draw job did not pass"
    return passes[0]


def test_a_fair_draw_among_the_neighbours_interested(
    live_server: LiveServer, group: str, new_page: Any
) -> None:
    server = live_server
    lucie = neighbour(new_page, server, "lucie@echanges.test", "Lucie")
    listing_url = give(lucie, server, "Poussette pliable")
    lucie.get_by_role("button", name="Programmer le tirage au sort").click()  # the first time proposed
    lucie.wait_for_load_state()
    assert "Tirage au sort prévu le" in lucie.content()
    announce = lucie.locator(".draw-announce")
    assert (
        "Tirage au sort le" in announce.inner_text()
        and "personne d'inscrit pour l'instant" in announce.inner_text()
    )

    entrants = {
        "Omar": neighbour(new_page, server, "omar@echanges.test", "Omar"),
        "Inès": neighbour(new_page, server, "ines@echanges.test", "Inès"),
    }
    for name, page in entrants.items():
        show_interest(page, listing_url, f"Bonjour Lucie, ce serait parfait pour mon bébé. {name}")
    entrants["Omar"].goto(listing_url)
    assert "2 personnes inscrites" in entrants["Omar"].locator(".draw-announce").inner_text()
    screenshot(entrants["Omar"], "exchanges-6-draw-notice")

    worker_pass_at(server, utc_now() + datetime.timedelta(days=2))  # after any time the page proposes

    lucie.goto(listing_url)
    kept = lucie.locator("ol.queue li", has=lucie.locator(".badge.reserved"))
    winner = kept.get_by_role("link").inner_text().strip()
    assert winner in entrants
    loser = next(name for name in entrants if name != winner)
    entrants[winner].goto(listing_url)
    assert "Réservé pour vous ! Quartier de remise : Jourdain" in entrants[winner].content()
    assert "Tiré au sort parmi 2 personnes" in entrants[winner].content()
    screenshot(entrants[winner], "exchanges-7-draw-won")

    page = entrants[loser]
    page.goto(listing_url)
    assert "Réservé pour vous" not in page.content()
    page.get_by_role("link", name="Vérifier le tirage").click()
    page.wait_for_load_state()
    record = page.locator(".draw-record")
    for name in entrants:
        assert name in record.inner_text()
    assert winner in record.locator(".draw-winner").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", record.locator(".draw-seed").inner_text().strip())
    screenshot(page, "exchanges-8-draw-record")
