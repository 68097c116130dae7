"""An address is one account however it is typed; a new password shuts every other door."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import PASSWORD, csrf_token

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "another horse battery"


async def login(client: AsyncTestClient[Litestar], email: str, password: str) -> Any:
    token = await csrf_token(client)
    return await client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}, headers={"x-csrftoken": token}
    )


async def test_a_padded_address_is_throttled_like_the_plain_one(
    client: AsyncTestClient[Litestar], person: Any
) -> None:
    await person("rl1")
    for _ in range(5):
        assert (await login(client, "rl1@example.org", "wrong password!")).status_code == 401
    for variant in (" rl1@example.org", "RL1@example.org ", "ｒｌ１@example.org"):
        assert (await login(client, variant, PASSWORD)).status_code == 429


async def test_registering_again_with_another_spelling_of_the_address_makes_no_second_account(
    client: AsyncTestClient[Litestar],
) -> None:
    first = await client.post(
        "/api/v1/auth/register",
        json={"email": "  Nadia@Example.ORG ", "password": PASSWORD, "display_name": "Nadia"},
    )
    assert first.status_code == 202, first.text
    again = await client.post(
        "/api/v1/auth/register",
        json={"email": "ｎａｄｉａ@example.org", "password": NEW_PASSWORD, "display_name": "Nadia bis"},
    )
    assert again.status_code == 202
    signed_in = await login(client, "NADIA@example.org", PASSWORD)
    assert signed_in.status_code == 200
    assert signed_in.json()["email"] == "nadia@example.org"  # stored normalised
    assert signed_in.json()["display_name"] == "Nadia"
    assert (await login(client, "nadia@example.org", NEW_PASSWORD)).status_code == 401


async def test_changing_the_password_revokes_every_api_token(person: Any) -> None:
    nadia = await person("nadia")
    second = await nadia.post(
        "/api/v1/auth/tokens", json={"email": nadia.email, "password": PASSWORD, "name": "tablette"}
    )
    assert second.status_code == 201, second.text
    tablet = {"Authorization": f"Bearer {second.json()['token']}"}
    assert (await nadia.client.get("/api/v1/auth/me", headers=tablet)).status_code == 200
    changed = await nadia.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204, changed.text
    assert (await nadia.client.get("/api/v1/auth/me", headers=tablet)).status_code == 401
    assert (await nadia.get("/api/v1/auth/me")).status_code == 401  # the token that changed it too
