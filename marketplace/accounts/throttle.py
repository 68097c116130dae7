"""Login throttling per account and per client, counted in the shared store.

Only failures count; a success clears the account's counter. The window is fixed: the first
failure starts it, and the store expires the counter at its end.
"""

from __future__ import annotations

import hashlib

from litestar.stores.base import Store

from marketplace.errors import TooManyAttempts
from marketplace.settings import SecuritySettings
from marketplace.web.i18n import gettext as _


def _key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


class LoginThrottle:
    def __init__(self, store: Store, settings: SecuritySettings) -> None:
        self.store = store
        self.settings = settings

    async def _count(self, key: str) -> int:
        raw = await self.store.get(key)
        return int(raw) if raw else 0

    async def check(self, email: str, client: str) -> None:
        """Refuse the attempt (429) when the account or the client has failed too often."""
        limits = (
            (_key("account", email), self.settings.login_attempts_per_account),
            (_key("client", client), self.settings.login_attempts_per_client),
        )
        for key, limit in limits:
            if await self._count(key) >= limit:
                retry_after = await self.store.expires_in(key) or self.settings.login_window_seconds
                minutes = max(1, round(retry_after / 60))
                raise TooManyAttempts(
                    _(
                        "Trop de tentatives de connexion. Réessayez dans %(minutes)s minutes.",
                        minutes=minutes,
                    ),
                    retry_after=retry_after,
                )

    async def record_failure(self, email: str, client: str) -> None:
        for key in (_key("account", email), _key("client", client)):
            count = await self._count(key)
            remaining = await self.store.expires_in(key) if count else None
            await self.store.set(
                key, str(count + 1), expires_in=remaining or self.settings.login_window_seconds
            )

    async def record_success(self, email: str) -> None:
        await self.store.delete(_key("account", email))
