"""What every response carries, and the probes operators rely on."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.anyio


async def test_pages_carry_security_headers(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


async def test_api_errors_carry_security_headers_too(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_session_and_csrf_cookies_are_http_only_and_same_site(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "csrftoken=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


async def test_unknown_host_is_refused(app: Litestar) -> None:
    async with AsyncTestClient(app=app, base_url="http://evil.example.com") as stranger:
        assert (await stranger.get("/health")).status_code == 400


async def test_health_and_ready(client: AsyncTestClient[Litestar]) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_unknown_page_is_a_french_404_page(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/nulle-part")
    assert response.status_code == 404
    assert "Introuvable" in response.text and "text/html" in response.headers["content-type"]


async def test_unknown_api_route_is_json_404(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/nulle-part")
    assert response.status_code == 404 and response.json()["detail"] == "Page introuvable."


async def test_english_is_available(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/login", headers={"accept-language": "en-GB,en;q=0.9"})
    assert "Log in" in response.text
    french = await client.get("/login")
    assert "Se connecter" in french.text


async def test_language_choice_is_remembered(client: AsyncTestClient[Litestar]) -> None:
    await client.get("/login")
    token = client.cookies["csrftoken"]
    chosen = await client.post("/language", data={"language": "en", "next": "/login", "_csrf_token": token})
    assert chosen.status_code == 200 and "Log in" in chosen.text


async def test_unknown_page_speaks_the_readers_language(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/nulle-part", headers={"accept-language": "en"})
    assert response.status_code == 404 and "Not found" in response.text
