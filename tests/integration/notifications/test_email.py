"""E-mail notices against a real SMTP server: language, links, one-click unsubscribe, refusals
and outages (queued and retried, nothing lost, nothing sent twice), grouping of messages."""

from __future__ import annotations

import asyncio
import datetime
import html
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.notifications.models import EmailStatus
from marketplace.notifications.outbox import STALE_CLAIM, claim_due, deliver_due, retry_delay
from marketplace.notifications.transport import SmtpTransport, transport_for
from marketplace.operations import sessions_for
from tests.integration.notifications.conftest import BASE_URL, Mailbox, free_port, notices, outbox, run_job
from tests.stories import Board, Person

pytestmark = pytest.mark.anyio


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def neighbours(board: Board) -> tuple[Person, Person, dict]:
    await board.community()
    alice = await board.member("alice")
    bob = await board.member("bob")
    listing = await board.listing(alice, title="Poussette pliable", pickup_area="Belleville")
    return alice, bob, listing


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()  # type: ignore[union-attr]


def unsubscribe_url(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">"), header
    return header[1:-1]


async def test_a_message_reaches_the_author_by_email_in_french_by_default(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    alice, bob, listing = await neighbours(board)
    interest = await bob.post(
        f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour, elle est toujours là ?"}
    )
    assert interest.status_code == 201, interest.text
    assert await run_job(app)
    [message] = mailbox.to(alice.email)
    assert message["Subject"] == "Nouveau message de Bob à propos de « Poussette pliable »"
    assert message["Content-Language"] == "fr"
    body = text_of(message)
    assert "Bonjour Alice," in body and "> Bonjour, elle est toujours là ?" in body
    assert f"{BASE_URL}/conversations/{interest.json()['id']}" in body
    assert f'href="{BASE_URL}/conversations/{interest.json()["id"]}"' in html_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_url(message) in body
    # On the wire the header is the bare <URL> a mail client reads, not folded into encoded-words.
    assert f"List-Unsubscribe: <{unsubscribe_url(message)}>".encode() in mailbox.raw[0]
    assert [row.status for row in await outbox(app)] == [EmailStatus.SENT]


async def test_an_english_speaking_member_gets_english_emails(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    alice, bob, listing = await neighbours(board)
    chosen = await alice.put("/api/v1/notifications/preferences", json={"language": "en"})
    assert chosen.status_code == 200 and chosen.json()["language"] == "en", chosen.text
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    reserved = await alice.post(f"/api/v1/listings/{listing['id']}/reserve", json={"user_id": bob.id})
    assert reserved.status_code == 200, reserved.text
    await bob.put("/api/v1/notifications/preferences", json={"language": "en"})
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Merci !"})
    assert await run_job(app)
    [to_alice] = mailbox.to(alice.email)
    assert to_alice["Subject"] == "2 new messages from Bob about “Poussette pliable”"
    assert to_alice["Content-Language"] == "en"
    assert "Hello Alice," in text_of(to_alice) and "Unsubscribe from these e-mails" in text_of(to_alice)
    # Bob's reservation notice was queued while he still read French: it goes out in his language now.
    [to_bob] = mailbox.to(bob.email)
    assert to_bob["Subject"] == "“Poussette pliable” is reserved for you"
    assert "Pickup area: Belleville." in text_of(to_bob)


async def test_the_one_click_unsubscribe_needs_no_login_and_stops_that_kind_of_email(
    board: Board, app: Litestar, client: AsyncTestClient[Litestar], mailbox: Mailbox
) -> None:
    alice, bob, listing = await neighbours(board)
    first = await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    await run_job(app)
    [message] = mailbox.to(alice.email)
    path = urlsplit(unsubscribe_url(message)).path
    client.cookies.clear()  # nobody signed in: the link alone
    page = await client.get(path)
    assert page.status_code == 200 and "Ne plus recevoir d'e-mails pour les messages des voisins" in page.text
    client.cookies.clear()
    # What a mail client sends for RFC 8058: a form POST, without any cookie or CSRF token.
    done = await client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200, done.text
    assert "Vous ne recevrez plus d'e-mails pour les messages des voisins" in done.text
    assert (await alice.get("/api/v1/notifications/preferences")).json()["messages"] == "in_app"
    again = await bob.post(
        f"/api/v1/conversations/{first.json()['id']}/messages", json={"body": "Je passe ce soir ?"}
    )
    assert again.status_code == 201, again.text
    await run_job(app, at=now() + datetime.timedelta(hours=1))
    assert len(mailbox.to(alice.email)) == 1  # no new e-mail...
    assert [item.event for item in await notices(app, alice.id)] == [
        "message.new",
        "message.new",
    ]  # ...still listed


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature altered
        lambda token: "eyJ1c2VyIjoiYWRtaW4ifQ." + token.partition(".")[2],  # someone else's payload
        lambda token: "not-a-token",
    ],
)
async def test_a_forged_unsubscribe_token_is_refused_in_french(
    board: Board, app: Litestar, client: AsyncTestClient[Litestar], mailbox: Mailbox, tamper
) -> None:
    alice, bob, listing = await neighbours(board)
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    await run_job(app)
    token = urlsplit(unsubscribe_url(mailbox.to(alice.email)[0])).path.rpartition("/")[2]
    for method in ("get", "post"):
        client.cookies.clear()
        answer = await getattr(client, method)(f"/notifications/unsubscribe/{tamper(token)}")
        assert answer.status_code == 400, answer.text
        assert "Ce lien n'est pas valide" in html.unescape(answer.text)
    assert (await alice.get("/api/v1/notifications/preferences")).json()["messages"] == "email"


async def test_preferences_are_obeyed_off_and_in_app_only(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    alice, bob, listing = await neighbours(board)
    await alice.put("/api/v1/notifications/preferences", json={"messages": "off"})
    await bob.put("/api/v1/notifications/preferences", json={"reservations": "in_app"})
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    await alice.post(f"/api/v1/listings/{listing['id']}/reserve", json={"user_id": bob.id})
    await run_job(app)
    assert mailbox.received == []
    assert await notices(app, alice.id) == []  # off: not even in the list
    listed = (await bob.get("/api/v1/notifications")).json()
    assert [item["event"] for item in listed["items"]] == ["reservation.yours"]
    assert listed["unread"] == 1 and listed["items"][0]["title"] == "« Poussette pliable » vous est réservé"
    assert await outbox(app) == []


@pytest.mark.parametrize(
    "reply", ["451 4.3.0 Mailbox busy, try again later", "550 5.1.1 Mailbox unavailable"]
)
async def test_a_refused_mail_stays_queued_and_is_retried_then_sent_once(
    board: Board, app: Litestar, mailbox: Mailbox, reply: str
) -> None:
    alice, bob, listing = await neighbours(board)
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    mailbox.refuse_with(reply)
    start = now()
    await run_job(app, at=start)
    [row] = await outbox(app)
    assert row.status == EmailStatus.PENDING and row.attempts == 1 and reply[:3] in row.last_error
    assert row.next_attempt_at == start + retry_delay(1)
    mailbox.refuse_with(None)
    await run_job(app, at=start + datetime.timedelta(seconds=10))  # not due yet: nothing goes
    assert mailbox.received == []
    await run_job(app, at=row.next_attempt_at)
    await run_job(app, at=row.next_attempt_at + datetime.timedelta(hours=1))
    assert len(mailbox.to(alice.email)) == 1
    [row] = await outbox(app)
    assert row.status == EmailStatus.SENT and row.attempts == 1


async def test_a_server_that_is_down_leaves_the_mail_queued_until_it_is_back(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    alice, bob, listing = await neighbours(board)
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    settings = app.state.settings
    down = SmtpTransport(host="127.0.0.1", port=free_port(), timeout=2)  # nothing listens there
    start = now()
    async with sessions_for(settings) as sessions:
        for attempt in range(3):
            delivered = await deliver_due(
                sessions, start + datetime.timedelta(hours=attempt * 7), settings=settings, transport=down
            )
            assert delivered.retried == 1
        [row] = await outbox(app)
        assert row.status == EmailStatus.PENDING and row.attempts == 3 and "Connection" in row.last_error
        back = await deliver_due(
            sessions,
            start + datetime.timedelta(days=2),
            settings=settings,
            transport=transport_for(settings.mail),
        )
    assert back.sent == 1 and len(mailbox.to(alice.email)) == 1


async def test_two_workers_at_once_send_each_mail_once(board: Board, app: Litestar, mailbox: Mailbox) -> None:
    alice, bob, listing = await neighbours(board)
    carol = await board.member("carol")
    for who in (bob, carol):
        await who.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    settings = app.state.settings
    async with sessions_for(settings) as first, sessions_for(settings) as second:
        results = await asyncio.gather(
            *(
                deliver_due(sessions, now(), settings=settings, transport=transport_for(settings.mail))
                for sessions in (first, second, first, second)
            )
        )
    assert sum(result.sent for result in results) == 2
    assert len(mailbox.to(alice.email)) == 2
    assert sorted(message["Message-ID"] for message in mailbox.received) == sorted(
        {message["Message-ID"] for message in mailbox.received}
    )


async def test_messages_of_a_busy_conversation_are_grouped_in_one_email_per_quarter_hour(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    alice, bob, listing = await neighbours(board)
    opened = await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    conversation = opened.json()["id"]
    for body in ("Elle est encore là ?", "Je peux passer ce soir."):
        await bob.post(f"/api/v1/conversations/{conversation}/messages", json={"body": body})
    start = now()
    await run_job(app, at=start)
    [grouped] = mailbox.to(alice.email)
    assert grouped["Subject"] == "3 nouveaux messages de Bob à propos de « Poussette pliable »"
    assert all(f"> {body}" in text_of(grouped) for body in ("Bonjour !", "Elle est encore là ?"))
    await bob.post(f"/api/v1/conversations/{conversation}/messages", json={"body": "Vers 19 h ?"})
    await bob.post(f"/api/v1/conversations/{conversation}/messages", json={"body": "Ou demain."})
    await run_job(app, at=start + datetime.timedelta(minutes=5))
    assert len(mailbox.to(alice.email)) == 1  # the next one waits for the quarter hour
    await run_job(app, at=start + datetime.timedelta(minutes=15, seconds=1))
    later = mailbox.to(alice.email)[1]
    assert later["Subject"] == "2 nouveaux messages de Bob à propos de « Poussette pliable »"
    assert "> Vers 19 h ?" in text_of(later) and "> Ou demain." in text_of(later)
    assert len(await notices(app, alice.id)) == 5


async def test_a_mail_claimed_by_a_worker_that_died_is_sent_by_the_next_one(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    alice, bob, listing = await neighbours(board)
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    settings = app.state.settings
    start = now()
    async with sessions_for(settings) as sessions:
        [claim] = await claim_due(sessions, start)  # ...and the worker dies before sending
        transport = transport_for(settings.mail)
        soon = await deliver_due(
            sessions, start + datetime.timedelta(minutes=5), settings=settings, transport=transport
        )
        assert soon.total == 0  # still someone else's for a while: not sent twice
        later = start + STALE_CLAIM + datetime.timedelta(seconds=1)
        assert (await deliver_due(sessions, later, settings=settings, transport=transport)).sent == 1
    assert len(mailbox.to(alice.email)) == 1
    [row] = await outbox(app)
    assert row.status == EmailStatus.SENT and row.claim_token != claim.token


async def test_messages_read_on_the_site_before_the_email_leaves_are_not_emailed(
    board: Board, app: Litestar, mailbox: Mailbox
) -> None:
    alice, bob, listing = await neighbours(board)
    await bob.post(f"/api/v1/listings/{listing['id']}/interest", json={"message": "Bonjour !"})
    assert (await alice.post("/api/v1/notifications/read", json={})).json()["marked"] == 1
    await run_job(app)
    assert mailbox.received == []
    assert [row.status for row in await outbox(app)] == [EmailStatus.CANCELLED]
