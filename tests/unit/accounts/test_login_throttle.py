"""Login throttling: a guesser is slowed, more and more; the owner is never locked out."""

from __future__ import annotations

import pytest
from litestar.stores.memory import MemoryStore

from marketplace.accounts.emails import normalise_email
from marketplace.accounts.throttle import LoginThrottle, account_delay
from marketplace.errors import TooManyAttempts
from marketplace.settings import SecuritySettings

pytestmark = pytest.mark.anyio

EMAIL = "nadia@example.org"


@pytest.fixture
def throttle() -> LoginThrottle:
    limiter = LoginThrottle(
        MemoryStore(), SecuritySettings(secret_key="x" * 32, allowed_hosts=["*"], secure_cookies=False)
    )
    limiter._now = lambda: 1_000_000.0  # a still clock: the test moves it
    return limiter


def move_clock(throttle: LoginThrottle, seconds: float) -> None:
    now = throttle._now() + seconds
    throttle._now = lambda: now


async def fail(throttle: LoginThrottle, times: int, *, email: str = EMAIL, client: str = "10.0.0.66") -> None:
    """Wrong passwords, as a guesser who waits whenever told to would send them."""
    for _ in range(times):
        await throttle.record_failure(email, client)


async def test_the_guessing_client_must_wait_after_five_failures(throttle: LoginThrottle) -> None:
    await fail(throttle, 5)
    with pytest.raises(TooManyAttempts) as refused:
        await throttle.check(EMAIL, "10.0.0.66")
    assert refused.value.headers == {"Retry-After": "30"}


async def test_the_owner_from_a_client_without_failures_is_not_slowed(throttle: LoginThrottle) -> None:
    await fail(throttle, 12)
    await throttle.check(EMAIL, "192.0.2.10")  # no exception: the owner's phone may try


async def test_the_delay_doubles_with_each_further_failure(throttle: LoginThrottle) -> None:
    await fail(throttle, 5)
    waits = []
    for _ in range(4):
        with pytest.raises(TooManyAttempts) as refused:
            await throttle.check(EMAIL, "10.0.0.66")
        wait = int(refused.value.headers["Retry-After"])
        waits.append(wait)
        move_clock(throttle, wait)
        await fail(throttle, 1)
    assert waits == [30, 60, 120, 240]


async def test_a_padded_or_capitalised_address_is_the_same_account(throttle: LoginThrottle) -> None:
    await fail(throttle, 5)
    for variant in (" nadia@example.org", "NADIA@Example.org ", "ｎａｄｉａ@example.org"):
        with pytest.raises(TooManyAttempts):
            await throttle.check(variant, "10.0.0.66")


async def test_a_client_failing_on_many_accounts_is_refused_on_all(throttle: LoginThrottle) -> None:
    for number in range(20):
        await fail(throttle, 1, email=f"guess{number}@example.org")
    with pytest.raises(TooManyAttempts):
        await throttle.check("someone-else@example.org", "10.0.0.66")
    await throttle.check("someone-else@example.org", "192.0.2.10")


async def test_a_success_clears_the_account(throttle: LoginThrottle) -> None:
    await fail(throttle, 5)
    await throttle.record_success(EMAIL)
    await throttle.check(EMAIL, "10.0.0.66")


def test_the_delay_never_exceeds_the_window() -> None:
    assert account_delay(4, 5, 900) == 0
    assert account_delay(5, 5, 900) == 30
    assert account_delay(60, 5, 900) == 900


@pytest.mark.parametrize(
    "variant", [" Nadia@Example.org", "NADIA@EXAMPLE.ORG\t", "ｎａｄｉａ@ｅｘａｍｐｌｅ.ｏｒｇ"]
)
def test_addresses_are_normalised_one_way(variant: str) -> None:
    assert normalise_email(variant) == EMAIL
