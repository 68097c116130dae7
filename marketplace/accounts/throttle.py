"""Login throttling per client and per account, counted in the shared store.

- A client (an address) that fails too often in the window is refused (429) until the window ends,
  whatever account it tries.
- An account that fails too often is never locked: each further failure doubles how long a client
  that has failed must wait before trying it again (30 s, 1 min, 2 min … up to the window). The
  owner coming from a client with no recent failure is not slowed, so five wrong guesses by
  somebody else never lock a neighbour out of their own account.

Only failures count; a success clears the account's counter. Addresses are compared normalised
(``emails.normalise_email``): a padded or differently cased address is the same account.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from litestar.stores.base import Store

from marketplace.accounts.emails import normalise_email
from marketplace.errors import TooManyAttempts
from marketplace.settings import SecuritySettings
from marketplace.web.i18n import ngettext

FIRST_DELAY_SECONDS = 30


def _key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


@dataclass(frozen=True)
class Failures:
    count: int
    last_at: float

    @classmethod
    def parse(cls, raw: bytes | None) -> Failures:
        count, _sep, last = (raw or b"").decode().partition(":")
        return cls(int(count) if count.isdigit() else 0, float(last) if last else 0.0)

    def encode(self) -> str:
        return f"{self.count}:{self.last_at:.3f}"


def account_delay(failures: int, threshold: int, ceiling: int) -> int:
    """Seconds a failing client waits before its next try on an account with ``failures``."""
    if failures < threshold:
        return 0
    return min(ceiling, FIRST_DELAY_SECONDS * 2 ** min(failures - threshold, 20))


def too_many(retry_after: float) -> TooManyAttempts:
    seconds = max(1, math.ceil(retry_after))
    if seconds < 90:
        message = ngettext(
            "Trop de tentatives de connexion. Réessayez dans %(num)s seconde.",
            "Trop de tentatives de connexion. Réessayez dans %(num)s secondes.",
            seconds,
        )
    else:
        minutes = round(seconds / 60)
        message = ngettext(
            "Trop de tentatives de connexion. Réessayez dans %(num)s minute.",
            "Trop de tentatives de connexion. Réessayez dans %(num)s minutes.",
            minutes,
        )
    return TooManyAttempts(message, retry_after=seconds)


class LoginThrottle:
    def __init__(self, store: Store, settings: SecuritySettings) -> None:
        self.store = store
        self.settings = settings
        self._now = time.time  # tests move the clock

    async def _failures(self, key: str) -> Failures:
        return Failures.parse(await self.store.get(key))

    async def check(self, email: str, client: str) -> None:
        """Refuse the attempt (429) from a client that failed too often, or that failed recently
        and tries an account that is being guessed before its delay has passed."""
        by_client = await self._failures(_key("client", client))
        if by_client.count >= self.settings.login_attempts_per_client:
            client_key = _key("client", client)
            raise too_many(await self.store.expires_in(client_key) or self.settings.login_window_seconds)
        if by_client.count == 0:
            return  # a client with no recent failure: the owner is never slowed
        by_account = await self._failures(_key("account", normalise_email(email)))
        delay = account_delay(
            by_account.count, self.settings.login_attempts_per_account, self.settings.login_window_seconds
        )
        waited = self._now() - by_account.last_at
        if delay and waited < delay:
            raise too_many(delay - waited)

    async def record_failure(self, email: str, client: str) -> None:
        now = self._now()
        for key in (_key("account", normalise_email(email)), _key("client", client)):
            failures = await self._failures(key)
            remaining = await self.store.expires_in(key) if failures.count else None
            await self.store.set(
                key,
                Failures(failures.count + 1, now).encode(),
                expires_in=remaining or self.settings.login_window_seconds,
            )

    async def record_success(self, email: str) -> None:
        await self.store.delete(_key("account", normalise_email(email)))


# Mails a person can have sent (verification, reset, address change): per address, and per
# client, in an hour. Counted whether the address has an account or not, so the limit tells
# nothing either (OWASP forgot-password cheat sheet: rate-limit, same answer).
MAILS_PER_ADDRESS = 5
MAILS_PER_CLIENT = 20
MAIL_WINDOW_SECONDS = 60 * 60


def too_many_mails(retry_after: float) -> TooManyAttempts:
    minutes = max(1, math.ceil(retry_after / 60))
    return TooManyAttempts(
        ngettext(
            "Trop de demandes d'e-mail. Réessayez dans %(num)s minute.",
            "Trop de demandes d'e-mail. Réessayez dans %(num)s minutes.",
            minutes,
        ),
        retry_after=max(1, math.ceil(retry_after)),
    )


class MailThrottle:
    """How many account e-mails an address and a client may ask for in an hour (429 beyond)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def count(self, email: str, client: str) -> None:
        """Count one more request for ``email`` from ``client``; 429 if either is over its limit."""
        keys = (
            (_key("mail-to", normalise_email(email)), MAILS_PER_ADDRESS),
            (_key("mail-from", client), MAILS_PER_CLIENT),
        )
        for key, limit in keys:
            used = Failures.parse(await self.store.get(key)).count
            if used >= limit:
                raise too_many_mails(await self.store.expires_in(key) or MAIL_WINDOW_SECONDS)
        for key, _limit in keys:
            failures = Failures.parse(await self.store.get(key))
            remaining = await self.store.expires_in(key) if failures.count else None
            await self.store.set(
                key,
                Failures(failures.count + 1, time.time()).encode(),
                expires_in=remaining or MAIL_WINDOW_SECONDS,
            )
