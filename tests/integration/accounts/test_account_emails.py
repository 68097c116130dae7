"""The account e-mails against the real SMTP server of the notifications' tests: verification,
forgotten password, address change, and the mail to the owner of an address somebody tried to
sign up with. Expiry is reached by moving the accounts service's clock, never by waiting."""

from __future__ import annotations

import datetime
import re
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.accounts import service
from marketplace.accounts.models import AccountLink
from marketplace.operations import transaction
from tests.integration.notifications.conftest import BASE_URL, Mailbox
from tests.stories import PASSWORD, Board, csrf_token, sign_in

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "une autre phrase secrète"


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def link_in(message: EmailMessage, path: str) -> str:
    """The path (and secret) of the link to ``path`` in ``message``, checked in both parts."""
    found = re.search(re.escape(BASE_URL + path) + r"[A-Za-z0-9_\-]+", text_of(message))
    assert found, text_of(message)
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert found.group(0) in html
    return found.group(0).removeprefix(BASE_URL)


def move_clock(monkeypatch: pytest.MonkeyPatch, by: datetime.timedelta) -> None:
    moment = datetime.datetime.now(datetime.UTC) + by
    monkeypatch.setattr(service, "clock", lambda: moment)


async def sign_up_page(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD) -> Any:
    token = await csrf_token(client)
    return await client.post(
        "/register",
        data={"email": email, "display_name": "Léa", "password": password, "_csrf_token": token},
    )


async def follow(client: AsyncTestClient[Litestar], path: str, **data: str) -> Any:
    """Open a mailed link (a page with one button), then press the button."""
    page = await client.get(path)
    token = await csrf_token(client)
    return await client.post(path, data={"_csrf_token": token, **data}, follow_redirects=False), page


async def log_in(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD) -> Any:
    token = await csrf_token(client)
    return await client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}, headers={"x-csrftoken": token}
    )


# --- verification ------------------------------------------------------------------------------


async def test_a_new_account_confirms_its_address_with_the_mailed_link_once(
    client: AsyncTestClient[Litestar], mailbox: Mailbox
) -> None:
    response = await sign_up_page(client, "lea@example.org")
    assert response.status_code == 200 and "Vérifiez votre boîte mail" in response.text
    [mail] = mailbox.to("lea@example.org")
    assert mail["Subject"] == "Confirmez votre adresse e-mail"
    assert "List-Unsubscribe" not in mail  # an account mail, not a notice one may switch off
    assert "48 heures" in text_of(mail)
    path = link_in(mail, "/account/verify/")

    assert (await log_in(client, "lea@example.org")).json()["is_verified"] is False
    assert "Renvoyer le lien" in (await client.get("/communities")).text  # the banner
    confirmed, page = await follow(client, path)
    assert page.status_code == 200 and "<form" in page.text  # opening the link changes nothing
    assert confirmed.status_code == 303
    me = await client.get("/api/v1/auth/me")
    assert me.json()["is_verified"] is True
    assert "Renvoyer le lien" not in (await client.get("/communities")).text

    again, _page = await follow(client, path)
    assert again.status_code == 400
    assert "plus valable" in again.text


async def test_the_verification_link_expires_after_48_hours(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up_page(client, "lea@example.org")
    path = link_in(mailbox.to("lea@example.org")[0], "/account/verify/")
    move_clock(monkeypatch, datetime.timedelta(hours=48, minutes=1))
    expired, _page = await follow(client, path)
    assert expired.status_code == 400
    assert "expiré" in expired.text


async def test_renvoyer_le_lien_sends_a_new_link_and_voids_the_old_one(
    client: AsyncTestClient[Litestar], mailbox: Mailbox
) -> None:
    await sign_up_page(client, "lea@example.org")
    first = link_in(mailbox.to("lea@example.org")[0], "/account/verify/")
    await log_in(client, "lea@example.org")
    token = await csrf_token(client)
    resent = await client.post(
        "/account/verification/resend", data={"_csrf_token": token}, follow_redirects=False
    )
    assert resent.status_code == 303
    second = link_in(mailbox.to("lea@example.org")[1], "/account/verify/")
    assert first != second
    assert (await follow(client, first))[0].status_code == 400
    assert (await follow(client, second))[0].status_code == 303


async def test_only_the_digest_of_a_link_is_stored(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, app: Litestar
) -> None:
    await sign_up_page(client, "lea@example.org")
    secret = link_in(mailbox.to("lea@example.org")[0], "/account/verify/").rpartition("/")[2]
    async with transaction(app.state.settings) as session:
        [row] = (await session.scalars(sqlalchemy.select(AccountLink))).all()
    assert row.digest == service.token_digest(secret) and secret not in row.digest


# --- registration tells nothing ----------------------------------------------------------------


async def test_signing_up_with_a_taken_address_answers_the_same_and_tells_its_owner(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, board: Board
) -> None:
    await board.someone("nadia")
    new = await sign_up_page(client, "lea@example.org")
    taken = await sign_up_page(client, "Nadia@Example.org", password="une autre phrase")
    assert new.status_code == taken.status_code == 200
    assert new.text.replace("lea@example.org", "X") == taken.text.replace("Nadia@Example.org", "X")
    [warning] = mailbox.to("nadia@example.org")
    assert warning["Subject"] == "Quelqu'un a essayé de créer un compte avec votre adresse"
    assert "/account/verify/" not in text_of(warning)
    assert f"{BASE_URL}/password/forgot" in text_of(warning)
    assert (await log_in(client, "nadia@example.org", "une autre phrase")).status_code == 401


# --- forgotten password ------------------------------------------------------------------------


async def ask_reset(client: AsyncTestClient[Litestar], email: str) -> Any:
    token = await csrf_token(client)
    return await client.post("/password/forgot", data={"email": email, "_csrf_token": token})


async def test_the_login_page_offers_mot_de_passe_oublie(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/login")
    assert 'href="/password/forgot"' in page.text and "Mot de passe oublié ?" in page.text


async def test_a_reset_answers_the_same_for_an_unknown_address_and_mails_only_the_owner(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, board: Board
) -> None:
    await board.someone("nadia")
    known = await ask_reset(client, "nadia@example.org")
    unknown = await ask_reset(client, "personne@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("nadia@example.org", "X") == unknown.text.replace("personne@example.org", "X")
    assert mailbox.to("personne@example.org") == []
    [mail] = mailbox.to("nadia@example.org")
    assert mail["Subject"] == "Choisir un nouveau mot de passe"
    assert "une heure" in text_of(mail)


async def test_a_reset_link_works_once_and_signs_out_every_session_and_token(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, board: Board
) -> None:
    nadia = await board.someone("nadia")
    assert (await log_in(client, nadia.email)).status_code == 200
    laptop = client.cookies["session"]  # her laptop's session, kept aside
    assert (await nadia.get("/api/v1/auth/me")).status_code == 200  # her script's API token
    client.cookies.clear()  # now her phone, signed out, which reads the mail

    await ask_reset(client, nadia.email)
    path = link_in(mailbox.to(nadia.email)[0], "/password/reset/")
    done, form = await follow(client, path, new_password=NEW_PASSWORD)
    assert form.status_code == 200 and 'name="new_password"' in form.text
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert (await log_in(client, nadia.email)).status_code == 401
    assert (await log_in(client, nadia.email, NEW_PASSWORD)).status_code == 200
    again, _form = await follow(client, path, new_password="encore une autre phrase")
    assert again.status_code == 400
    assert (await log_in(client, nadia.email, "encore une autre phrase")).status_code == 401
    assert mailbox.to(nadia.email)[-1]["Subject"] == "Votre mot de passe a été changé"

    client.cookies.clear()
    client.cookies.set("session", laptop)
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    assert (await nadia.get("/api/v1/auth/me")).status_code == 401


async def test_a_reset_link_expires_after_an_hour(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    nadia = await board.someone("nadia")
    await ask_reset(client, nadia.email)
    path = link_in(mailbox.to(nadia.email)[0], "/password/reset/")
    move_clock(monkeypatch, datetime.timedelta(minutes=61))
    assert (await client.get(path)).status_code == 400
    expired, _form = await follow(client, path, new_password=NEW_PASSWORD)
    assert expired.status_code == 400
    monkeypatch.undo()
    assert (await log_in(client, nadia.email)).status_code == 200


async def test_a_too_short_new_password_keeps_the_link_usable(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, board: Board
) -> None:
    nadia = await board.someone("nadia")
    await ask_reset(client, nadia.email)
    path = link_in(mailbox.to(nadia.email)[0], "/password/reset/")
    short, _form = await follow(client, path, new_password="court")
    assert short.status_code == 400 and "au moins 10 caractères" in short.text
    assert (await follow(client, path, new_password=NEW_PASSWORD))[0].status_code == 303


async def test_reset_requests_for_one_address_are_limited(
    client: AsyncTestClient[Litestar], mailbox: Mailbox
) -> None:
    for _ in range(5):
        assert (await ask_reset(client, "personne@example.org")).status_code == 200
    refused = await ask_reset(client, "personne@example.org")
    assert refused.status_code == 429
    assert "Trop de demandes" in refused.text


# --- display name and address ------------------------------------------------------------------


async def test_a_member_changes_their_display_name(client: AsyncTestClient[Litestar], board: Board) -> None:
    nadia = await board.someone("nadia")
    changed = await nadia.patch("/api/v1/auth/me", json={"display_name": "  Nadia B. "})
    assert changed.status_code == 200 and changed.json()["display_name"] == "Nadia B."
    empty = await nadia.patch("/api/v1/auth/me", json={"display_name": " "})
    assert empty.status_code == 400 and empty.json()["detail"] == "Indiquez un nom affiché."


async def test_a_new_address_replaces_the_old_one_only_once_confirmed_and_the_old_one_is_told(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, board: Board
) -> None:
    nadia = await board.someone("nadia")
    wrong = await nadia.post("/api/v1/auth/email", json={"email": "nadia@nouveau.org", "password": "faux"})
    assert wrong.status_code == 400 and wrong.json()["detail"] == "Le mot de passe est incorrect."
    asked = await nadia.post("/api/v1/auth/email", json={"email": "Nadia@Nouveau.org", "password": PASSWORD})
    assert asked.status_code == 202
    [mail] = mailbox.to("nadia@nouveau.org")
    assert mail["Subject"] == "Confirmez votre nouvelle adresse e-mail"
    path = link_in(mail, "/account/email/confirm/")
    assert (await nadia.get("/api/v1/auth/me")).json()["email"] == "nadia@example.org"  # not yet

    confirmed, _page = await follow(client, path)
    assert confirmed.status_code == 303
    me = (await nadia.get("/api/v1/auth/me")).json()
    assert me["email"] == "nadia@nouveau.org" and me["is_verified"] is True
    [told] = mailbox.to("nadia@example.org")
    assert told["Subject"] == "Votre adresse e-mail a été changée"
    assert "nadia@nouveau.org" not in text_of(told)
    assert (await log_in(client, "nadia@nouveau.org")).status_code == 200
    assert (await log_in(client, "nadia@example.org")).status_code == 401
    assert (await follow(client, path))[0].status_code == 400


async def test_asking_for_a_taken_address_answers_the_same_and_changes_nothing(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, board: Board
) -> None:
    nadia = await board.someone("nadia")
    await board.someone("karim")
    asked = await nadia.post("/api/v1/auth/email", json={"email": "karim@example.org", "password": PASSWORD})
    assert asked.status_code == 202
    [warning] = mailbox.to("karim@example.org")
    assert "/account/email/confirm/" not in text_of(warning)
    assert (await nadia.get("/api/v1/auth/me")).json()["email"] == "nadia@example.org"


async def test_account_mails_come_in_the_language_the_member_registered_in(
    client: AsyncTestClient[Litestar], mailbox: Mailbox
) -> None:
    token = await csrf_token(client)
    await client.post(
        "/register",
        data={"email": "jo@example.org", "display_name": "Jo", "password": PASSWORD, "_csrf_token": token},
        headers={"accept-language": "en"},
    )
    [mail] = mailbox.to("jo@example.org")
    assert mail["Content-Language"] == "en"


async def test_the_account_page_changes_the_name_and_the_address_without_javascript(
    client: AsyncTestClient[Litestar], mailbox: Mailbox, board: Board
) -> None:
    nadia = await board.someone("nadia")
    token = await sign_in(client, nadia)
    page = await client.get("/account")
    assert 'action="/account/profile"' in page.text and 'action="/account/email"' in page.text
    renamed = await client.post(
        "/account/profile", data={"display_name": "Nadia B.", "_csrf_token": token}, follow_redirects=False
    )
    assert renamed.status_code == 303
    assert "Nadia B." in (await client.get("/account")).text
    too_long = await client.post("/account/profile", data={"display_name": "x" * 81, "_csrf_token": token})
    assert too_long.status_code == 400 and "80 caractères" in too_long.text

    wrong = await client.post(
        "/account/email", data={"email": "nadia@nouveau.org", "password": "faux", "_csrf_token": token}
    )
    assert wrong.status_code == 400 and "Le mot de passe est incorrect." in wrong.text
    invalid = await client.post(
        "/account/email", data={"email": "pas-une-adresse", "password": PASSWORD, "_csrf_token": token}
    )
    assert invalid.status_code == 400 and "Adresse e-mail invalide." in invalid.text
    asked = await client.post(
        "/account/email",
        data={"email": "nadia@nouveau.org", "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    assert link_in(mailbox.to("nadia@nouveau.org")[0], "/account/email/confirm/")
    assert mailbox.to("nadia@example.org") == []  # told only once the change is made


async def test_signing_up_again_before_confirming_sends_a_fresh_link_and_keeps_the_first_password(
    client: AsyncTestClient[Litestar], mailbox: Mailbox
) -> None:
    first = await sign_up_page(client, "lea@example.org")
    again = await sign_up_page(client, "lea@example.org", password="une autre phrase")
    assert first.status_code == again.status_code == 200 and first.text == again.text
    old, new = mailbox.to("lea@example.org")
    assert new["Subject"] == "Confirmez votre adresse e-mail"
    assert (await follow(client, link_in(old, "/account/verify/")))[0].status_code == 400
    assert (await follow(client, link_in(new, "/account/verify/")))[0].status_code == 303
    assert (await log_in(client, "lea@example.org", "une autre phrase")).status_code == 401
    assert (await log_in(client, "lea@example.org")).json()["is_verified"] is True
