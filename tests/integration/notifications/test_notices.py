"""What members are told, in their list and by e-mail: membership decisions, a listing about to
expire (with its one-click relist), a moderator's removal; the list, its badge and the choices."""

from __future__ import annotations

import datetime
import html
import re
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.exchanges.service import ExchangeService
from marketplace.listings.service import ListingService
from marketplace.notifications.models import EmailStatus
from marketplace.notifications.outbox import deliver_due
from marketplace.notifications.scheduled import tell_authors_of_expiring_listings
from marketplace.notifications.transport import ConsoleSink
from marketplace.operations import sessions_for, transaction_in
from tests.integration.notifications.conftest import BASE_URL, Mailbox, notices, outbox, run_job
from tests.stories import Board, sign_in

pytestmark = pytest.mark.anyio

SLUG = "entraide-pyrenees"


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_an_applicant_is_told_when_admitted_and_when_turned_down(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    await board.community(SLUG, join_policy="approval")
    root = await board.root()
    carol = await board.someone("carol")
    dave = await board.someone("dave")
    for who in (carol, dave):
        joined = await who.post(f"/api/v1/communities/{SLUG}/join", json={"answer": "Rue des Pyrénées"})
        assert joined.json()["status"] == "pending", joined.text
    assert (await root.post(f"/api/v1/communities/{SLUG}/members/{carol.id}/approve")).status_code == 200
    refused = await root.post(
        f"/api/v1/communities/{SLUG}/members/{dave.id}/reject",
        json={"message": "Réservé aux voisins du 20e."},
    )
    assert refused.status_code == 200, refused.text
    assert await run_job(app)
    [welcome] = mailbox.to(carol.email)
    assert welcome["Subject"] == "Bienvenue dans « Entraide Pyrenees »"
    assert f"{BASE_URL}/communities/{SLUG}" in text_of(welcome)
    [no] = mailbox.to(dave.email)
    assert no["Subject"] == "Votre demande pour « Entraide Pyrenees » n'est pas acceptée"
    assert "> Réservé aux voisins du 20e." in text_of(no)
    listed = (await dave.get("/api/v1/notifications")).json()
    assert [item["event"] for item in listed["items"]] == ["membership.rejected"]
    assert listed["items"][0]["quotes"] == ["Réservé aux voisins du 20e."]


async def test_an_author_is_told_three_days_before_expiry_once_and_relists_in_one_click(
    board: Board, app: Litestar, client: AsyncTestClient[Litestar], mailbox: Mailbox
) -> None:
    await board.community()
    alice = await board.member("alice")
    listing = await board.listing(alice, title="Vélo enfant")
    expires_at = datetime.datetime.fromisoformat(listing["expires_at"])
    await run_job(app, tell_authors_of_expiring_listings, at=expires_at - datetime.timedelta(days=4))
    assert await notices(app, alice.id) == []  # not yet
    two_days_before = expires_at - datetime.timedelta(days=2)
    await run_job(app, tell_authors_of_expiring_listings, at=two_days_before)
    await run_job(app, tell_authors_of_expiring_listings, at=two_days_before + datetime.timedelta(hours=1))
    assert [item.event for item in await notices(app, alice.id)] == ["listing.expiring"]  # once
    await run_job(app, at=two_days_before)
    [warning] = mailbox.to(alice.email)
    assert warning["Subject"] == "« Vélo enfant » expire dans 3 jours"
    relist = re.search(rf"{re.escape(BASE_URL)}(/notifications/relist/\S+)", text_of(warning))
    assert relist is not None, text_of(warning)
    client.cookies.clear()  # the link works without signing in
    page = await client.get(relist.group(1))
    assert page.status_code == 200 and "Vélo enfant" in page.text
    done = await client.post(relist.group(1))
    assert done.status_code == 200, done.text
    assert "Annonce remise en ligne" in done.text
    renewed = (await alice.get(f"/api/v1/listings/{listing['id']}")).json()
    assert renewed["status"] == "available"
    assert datetime.datetime.fromisoformat(renewed["expires_at"]) > expires_at
    forged = await client.post(relist.group(1)[:-3] + "xyz")
    assert forged.status_code == 400 and "Ce lien n'est pas valide" in html.unescape(forged.text)


async def test_an_author_is_told_when_a_moderator_removes_their_listing_with_the_reason(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    await board.community()
    alice = await board.member("alice")
    moderator = await board.member("maud", role="moderator")
    listing = await board.listing(alice, title="Perceuse")
    removed = await moderator.post(
        f"/api/v1/listings/{listing['id']}/status",
        json={"status": "removed", "reason": "Les outils électriques vont dans le groupe Bricolage."},
    )
    assert removed.status_code == 200, removed.text
    await run_job(app)
    [message] = mailbox.to(alice.email)
    assert message["Subject"] == "Votre annonce « Perceuse » a été retirée par la modération"
    assert "> Les outils électriques vont dans le groupe Bricolage." in text_of(message)


async def test_the_list_its_badge_and_marking_read(board: Board, app: Litestar, client) -> None:
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    carol = await board.member("carol")
    listing = await board.listing(alice, title="Poussette")
    for who in (bob, carol):
        await who.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    listed = (await alice.get("/api/v1/notifications")).json()
    assert listed["unread"] == 2 and listed["total"] == 2
    assert {item["title"] for item in listed["items"]} == {
        "Nouveau message de Bob à propos de « Poussette »",
        "Nouveau message de Carol à propos de « Poussette »",
    }
    assert (await bob.get("/api/v1/notifications")).json()["items"] == []  # one's own list only
    newest = listed["items"][0]["id"]
    marked = await alice.post("/api/v1/notifications/read", json={"ids": [newest]})
    assert marked.status_code == 200 and marked.json() == {"marked": 1, "unread": 1}
    assert (await bob.post("/api/v1/notifications/read", json={"ids": [newest]})).json()["marked"] == 0
    english = await alice.client.get(
        "/api/v1/notifications", headers={**alice.headers, "accept-language": "en"}
    )
    assert english.json()["items"][1]["title"].startswith("New message from")
    await sign_in(client, alice)
    badge = await client.get("/notifications/badge")
    assert '<span class="badge unread-count"' in badge.text and ">1</span>" in badge.text
    page = await client.get("/notifications")
    assert page.status_code == 200 and "Nouveau message de Carol" in html.unescape(page.text)
    assert (await alice.post("/api/v1/notifications/read", json={})).json() == {"marked": 1, "unread": 0}
    assert (await client.get("/api/v1/notifications/badge")).status_code == 404


async def test_the_preferences_page_works_without_javascript(board: Board, app: Litestar, client) -> None:
    await board.community()
    alice = await board.member("alice")
    token = await sign_in(client, alice)
    page = await client.get("/notifications/preferences")
    assert page.status_code == 200 and 'name="messages" value="email" checked' in page.text
    refused = await client.post("/notifications/preferences", data={"messages": "off"})
    assert refused.status_code == 403  # a form without its CSRF token
    saved = await client.post(
        "/notifications/preferences",
        data={"_csrf_token": token, "messages": "off", "reservations": "in_app", "language": "en"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    chosen = (await alice.get("/api/v1/notifications/preferences")).json()
    assert chosen["messages"] == "off" and chosen["reservations"] == "in_app" and chosen["language"] == "en"
    assert chosen["membership"] == "email"  # untouched


async def test_without_an_smtp_server_mails_go_to_the_log_and_to_files(
    board: Board, app: Litestar, tmp_path
) -> None:
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    listing = await board.listing(alice, title="Lampe")
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    settings = app.state.settings
    sink = ConsoleSink(tmp_path / "mail")
    async with sessions_for(settings) as sessions:
        delivered = await deliver_due(
            sessions, datetime.datetime.now(datetime.UTC), settings=settings, transport=sink
        )
    assert delivered.sent == 1
    [written] = list((tmp_path / "mail").glob("*.eml"))
    content = written.read_text()
    assert "Subject: =?utf-8?" in content or "Subject: Nouveau message" in content
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in content
    assert [row.status for row in await outbox(app)] == [EmailStatus.SENT]
    assert urlsplit(BASE_URL).hostname in content


async def test_each_step_of_a_hand_over_tells_the_neighbours_concerned(board: Board, app: Litestar) -> None:
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    carol = await board.member("carol")
    listing = await board.listing(alice, title="Table basse", pickup_area="Gambetta")
    url = f"/api/v1/listings/{listing['id']}"
    for who in (bob, carol):
        await who.post(f"{url}/interest", json={"message": "Bonjour !"})
    await alice.post(f"{url}/reserve", json={"user_id": bob.id})
    await alice.post(f"{url}/unreserve")  # a no-show: Carol is next
    await alice.post(f"{url}/unreserve")
    await alice.post(f"{url}/reserve", json={"user_id": bob.id})
    assert (await alice.post(f"{url}/status", json={"status": "done"})).status_code == 200
    assert (await bob.post(f"{url}/thanks", json={"thanks": "Merci Alice !"})).status_code == 200

    async def titles(who) -> list[str]:
        items = (await who.get("/api/v1/notifications", params={"per_page": 50})).json()["items"]
        return [item["title"] for item in reversed(items)]

    assert await titles(bob) == [
        "« Table basse » vous est réservé",
        "La réservation de « Table basse » est annulée",  # a no-show leaves the line
        "« Table basse » vous est réservé",
    ]
    assert await titles(carol) == [
        "« Table basse » est réservé pour un autre voisin",
        "« Table basse » vous est réservé",
        "La réservation de « Table basse » est annulée",
        "« Table basse » a trouvé preneur",  # her conversation closes with a kind note
    ]
    told_alice = await titles(alice)
    assert (
        told_alice[-1] == "Bob vous dit merci"
        and told_alice.count("Nouveau message de Bob à propos de « Table basse »") == 1
    )
    mine = (await bob.get("/api/v1/notifications")).json()["items"][0]
    assert mine["lines"][1] == "Lieu de retrait : Gambetta." and mine["url"].startswith("/conversations/")


async def test_a_fair_draw_tells_the_winner_the_others_and_an_author_with_no_entrant(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    carol = await board.member("carol")
    gift = await board.listing(alice, title="Livres de cuisine", pickup_area="Jourdain")
    lonely = await board.listing(alice, title="Cadre photo")
    draw_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    for listing in (gift, lonely):
        scheduled = await alice.post(
            f"/api/v1/listings/{listing['id']}/reserve", json={"draw_at": draw_at.isoformat()}
        )
        assert scheduled.status_code == 200, scheduled.text
    for who in (bob, carol):
        await who.post(f"/api/v1/listings/{gift['id']}/interest", json={"message": "Avec plaisir !"})
    async with sessions_for(app.state.settings) as sessions, transaction_in(sessions) as session:
        assert await ExchangeService(session).draw_due(ListingService(session=session), draw_at) == 2
    winner_id = (await alice.get(f"/api/v1/listings/{gift['id']}/draw")).json()["winner_id"]
    winner, other = (bob, carol) if winner_id == bob.id else (carol, bob)
    won = (await winner.get("/api/v1/notifications")).json()["items"][0]
    assert won["title"] == "Vous avez gagné le tirage au sort de « Livres de cuisine »"
    assert "Lieu de retrait : Jourdain." in won["lines"]
    lost = (await other.get("/api/v1/notifications")).json()["items"][0]
    assert lost["title"] == "Tirage au sort de « Livres de cuisine » : pas cette fois"
    titles = [item["title"] for item in (await alice.get("/api/v1/notifications")).json()["items"]]
    assert "Personne n'a participé au tirage au sort de « Cadre photo »" in titles
    await run_job(app)
    assert [message["Subject"] for message in mailbox.to(winner.email)] == [won["title"]]
