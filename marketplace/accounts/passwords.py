"""Password hashing with argon2id, always off the event loop (it is slow on purpose)."""

from __future__ import annotations

import os

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128


def _make_hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters.

    ``MARKETPLACE_PASSWORD_HASHING=fast`` (the test suite sets it) keeps argon2id but with tiny
    costs, so that the hundreds of accounts the tests create do not dominate their run time.
    """
    if os.environ.get("MARKETPLACE_PASSWORD_HASHING") == "fast":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


_hasher = _make_hasher()
# Verified when the email is unknown, so that a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify)
