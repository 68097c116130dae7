"""Signed tokens for the links of e-mails that work without a login: unsubscribe, relist.

A token is its parts (base64url) and an HMAC-SHA256 of them under a key drawn from the site's
secret and the token's purpose: a token made for one purpose is refused for another, and
nobody without the secret can make one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SEPARATOR = "\x1f"
SIGNATURE_BYTES = 20


class BadToken(ValueError):
    """The token was not made by this site for this purpose (forged, altered or truncated)."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, purpose: str, payload: str) -> str:
    key = hashlib.sha256(f"marketplace.notifications.{purpose}:{secret}".encode()).digest()
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()[:SIGNATURE_BYTES])


def sign(secret: str, purpose: str, *parts: str) -> str:
    payload = _b64(SEPARATOR.join(parts).encode())
    return f"{payload}.{_signature(secret, purpose, payload)}"


def unsign(secret: str, purpose: str, token: str, *, parts: int) -> list[str]:
    """The parts of a token this site made for ``purpose``; BadToken otherwise."""
    payload, dot, signature = (token or "").partition(".")
    if not dot or not payload or not payload.isascii() or not signature.isascii():
        raise BadToken(token)
    if not hmac.compare_digest(signature, _signature(secret, purpose, payload)):
        raise BadToken(token)
    try:
        values = _unb64(payload).decode().split(SEPARATOR)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadToken(token) from error
    if len(values) != parts:
        raise BadToken(token)
    return values
