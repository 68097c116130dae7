"""X-Forwarded-For is believed only from the proxies in MARKETPLACE_TRUSTED_PROXIES.

The login throttle counts failures per client address: a client that could name its own address
would reset its counter at will. The app is served here as ``marketplace run`` serves it: through
uvicorn's configuration built from the settings, from a peer at 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace import cli
from marketplace.settings import SecuritySettings, Settings, load_settings

pytestmark = pytest.mark.anyio

LIMIT = 3  # failures per client before 429; lowered so that the tests stay short


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings, security=dataclasses.replace(settings.security, login_attempts_per_client=LIMIT)
    )


def served(app: Litestar, security: SecuritySettings) -> httpx.AsyncClient:
    """A browser at 127.0.0.1 talking to the app as uvicorn would serve it with ``security``."""
    config = uvicorn.Config(app=app, **security.proxy_headers_options())
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


@pytest.fixture
async def started(client: AsyncTestClient[Litestar]) -> AsyncIterator[None]:
    yield  # the test client runs the app's lifespan (database engine) for the served copy


async def failed_logins_from_rotating_addresses(browser: httpx.AsyncClient) -> list[int]:
    await browser.get("/login")
    codes = []
    for attempt in range(LIMIT + 1):
        response = await browser.post(
            "/api/v1/auth/login",
            json={"email": f"nobody{attempt}@example.org", "password": "wrong password!"},
            headers={"x-csrftoken": browser.cookies["csrftoken"], "x-forwarded-for": f"1.2.3.{attempt}"},
        )
        codes.append(response.status_code)
    return codes


async def test_forwarded_for_from_an_untrusted_peer_does_not_reset_the_login_throttle(
    app: Litestar, started: None
) -> None:
    security = app.state.settings.security
    assert security.trusted_proxies == []
    async with served(app, security) as browser:
        codes = await failed_logins_from_rotating_addresses(browser)
    assert codes == [401] * LIMIT + [429]  # all counted against 127.0.0.1


async def test_forwarded_for_from_a_trusted_proxy_names_the_client(app: Litestar, started: None) -> None:
    security = dataclasses.replace(app.state.settings.security, trusted_proxies=["127.0.0.1"])
    async with served(app, security) as browser:
        codes = await failed_logins_from_rotating_addresses(browser)
    assert codes == [401] * (LIMIT + 1)  # each forwarded address is its own client


def test_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARKETPLACE_TRUSTED_PROXIES", raising=False)
    assert load_settings().security.trusted_proxies == []
    monkeypatch.setenv("MARKETPLACE_TRUSTED_PROXIES", " 10.0.0.2, 172.16.0.0/12 ,")
    assert load_settings().security.trusted_proxies == ["10.0.0.2", "172.16.0.0/12"]


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        ("", {"proxy_headers": False}),
        ("10.0.0.2,172.16.0.0/12", {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.2,172.16.0.0/12"}),
    ],
)
def test_run_reads_forwarded_headers_only_from_trusted_proxies(
    monkeypatch: pytest.MonkeyPatch, trusted: str, expected: dict[str, Any]
) -> None:
    monkeypatch.setenv("MARKETPLACE_TRUSTED_PROXIES", trusted)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own variable is not what decides
    monkeypatch.setattr(cli, "get_settings", load_settings)
    monkeypatch.setattr(cli, "_migrate", lambda: None)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda app, **options: calls.append(options))
    result = CliRunner().invoke(cli.main, ["run"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    assert {key: calls[0].get(key) for key in ("proxy_headers", "forwarded_allow_ips")} == {
        "proxy_headers": expected["proxy_headers"],
        "forwarded_allow_ips": expected.get("forwarded_allow_ips"),
    }
