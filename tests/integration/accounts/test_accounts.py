"""Registering, signing in and out, passwords, tokens: what a neighbour does with an account."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.stories import PASSWORD, csrf_token

pytestmark = pytest.mark.anyio


async def register(
    client: AsyncTestClient[Litestar], email: str = "nadia@example.org", password: str = PASSWORD
):
    return await client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "display_name": "Nadia"}
    )


async def test_register_answers_202_and_the_new_account_can_log_in(client: AsyncTestClient[Litestar]) -> None:
    response = await register(client)
    assert response.status_code == 202
    assert "password" not in response.text and "id" not in response.json()
    token = await csrf_token(client)
    login = await client.post(
        "/api/v1/auth/login",
        json={"email": "nadia@example.org", "password": PASSWORD},
        headers={"x-csrftoken": token},
    )
    assert login.status_code == 200
    assert login.json()["is_verified"] is False  # until the mailed link is followed


@pytest.mark.parametrize(
    ("password", "accepted"), [("a" * 9, False), ("a" * 10, True), ("a" * 128, True), ("a" * 129, False)]
)
async def test_password_length_rules(
    client: AsyncTestClient[Litestar], password: str, accepted: bool
) -> None:
    response = await register(client, password=password)
    assert response.status_code == (202 if accepted else 400)
    if not accepted:
        assert response.json()["extra"][0]["key"] == "password"


async def test_registering_a_taken_address_answers_as_a_new_one(client: AsyncTestClient[Litestar]) -> None:
    first = await register(client)
    again = await register(client, email="Nadia@Example.org", password="another horse battery")
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    token = await csrf_token(client)
    second_password = await client.post(
        "/api/v1/auth/login",
        json={"email": "nadia@example.org", "password": "another horse battery"},
        headers={"x-csrftoken": token},
    )
    assert second_password.status_code == 401  # the taken account was not touched


async def test_login_error_is_the_same_whether_the_email_exists(client: AsyncTestClient[Litestar]) -> None:
    await register(client)
    token = await csrf_token(client)
    wrong_password = await client.post(
        "/api/v1/auth/login",
        json={"email": "nadia@example.org", "password": "wrong password!"},
        headers={"x-csrftoken": token},
    )
    unknown_email = await client.post(
        "/api/v1/auth/login",
        json={"email": "nobody@example.org", "password": "wrong password!"},
        headers={"x-csrftoken": token},
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json()["detail"] == unknown_email.json()["detail"]


async def test_login_is_refused_after_five_failures_on_one_account(client: AsyncTestClient[Litestar]) -> None:
    await register(client)
    token = await csrf_token(client)
    attempt = {"email": "nadia@example.org", "password": "wrong password!"}
    for _ in range(5):
        response = await client.post("/api/v1/auth/login", json=attempt, headers={"x-csrftoken": token})
        assert response.status_code == 401
    blocked = await client.post(
        "/api/v1/auth/login", json={**attempt, "password": PASSWORD}, headers={"x-csrftoken": token}
    )
    assert blocked.status_code == 429
    assert "Réessayez" in blocked.json()["detail"] and int(blocked.headers["retry-after"]) > 0


async def test_login_is_refused_after_many_failures_from_one_client(
    client: AsyncTestClient[Litestar],
) -> None:
    token = await csrf_token(client)
    for number in range(20):
        attempt = {"email": f"guess{number}@example.org", "password": "wrong password!"}
        assert (
            await client.post("/api/v1/auth/login", json=attempt, headers={"x-csrftoken": token})
        ).status_code == 401
    attempt = {"email": "another@example.org", "password": "wrong password!"}
    response = await client.post("/api/v1/auth/login", json=attempt, headers={"x-csrftoken": token})
    assert response.status_code == 429


async def test_cookie_api_call_without_csrf_token_is_refused(client: AsyncTestClient[Litestar]) -> None:
    await register(client)
    response = await client.post(
        "/api/v1/auth/login", json={"email": "nadia@example.org", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "formulaire" in response.json()["detail"]


async def test_form_post_without_csrf_token_is_refused(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/register", data={"email": "a@example.org", "password": PASSWORD})
    assert response.status_code == 403


async def test_session_login_then_logout(client: AsyncTestClient[Litestar]) -> None:
    await register(client)
    token = await csrf_token(client)
    login = await client.post(
        "/api/v1/auth/login",
        json={"email": "nadia@example.org", "password": PASSWORD},
        headers={"x-csrftoken": token},
    )
    assert login.status_code == 200
    assert (await client.get("/api/v1/auth/me")).json()["email"] == "nadia@example.org"
    assert (await client.post("/api/v1/auth/logout", headers={"x-csrftoken": token})).status_code == 204
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_bearer_token_needs_no_csrf_and_can_be_revoked(client: AsyncTestClient[Litestar]) -> None:
    await register(client)
    created = await client.post(
        "/api/v1/auth/tokens", json={"email": "nadia@example.org", "password": PASSWORD}
    )
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    revoked = await client.delete(f"/api/v1/auth/tokens/{created.json()['id']}", headers=headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_token_for_wrong_password_is_refused(client: AsyncTestClient[Litestar]) -> None:
    await register(client)
    response = await client.post(
        "/api/v1/auth/tokens", json={"email": "nadia@example.org", "password": "nope nope nope"}
    )
    assert response.status_code == 401


async def test_changing_password_signs_out_other_devices(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    await register(client)
    token = await csrf_token(client)
    credentials = {"email": "nadia@example.org", "password": PASSWORD}
    await client.post("/api/v1/auth/login", json=credentials, headers={"x-csrftoken": token})
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as other_device:
        other_token = await csrf_token(other_device)
        await other_device.post("/api/v1/auth/login", json=credentials, headers={"x-csrftoken": other_token})
        changed = await client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
            headers={"x-csrftoken": token},
        )
        assert changed.status_code == 204
        assert (await client.get("/api/v1/auth/me")).status_code == 200
        assert (await other_device.get("/api/v1/auth/me")).status_code == 401


async def test_register_page_asks_to_check_the_mailbox_and_signs_nobody_in(
    client: AsyncTestClient[Litestar],
) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/register",
        data={"email": "lea@example.org", "display_name": "Léa", "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert "Vérifiez votre boîte mail" in response.text
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_register_page_shows_errors_in_french_and_keeps_the_input(
    client: AsyncTestClient[Litestar],
) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/register",
        data={"email": "lea@example.org", "display_name": "Léa", "password": "court", "_csrf_token": token},
    )
    assert response.status_code == 400
    assert "au moins 10 caractères" in response.text
    assert 'value="lea@example.org"' in response.text
