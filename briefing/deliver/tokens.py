"""Unsubscribe tokens: each names its address and proves we issued it (HMAC-SHA256, 128 bits kept).

The secret comes from BRIEFING_UNSUBSCRIBE_SECRET; whatever serves `email.unsubscribe_url` verifies a token with
`address_from_token` and the same secret, without a database of tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def unsubscribe_token(address: str, secret: str) -> str:
    """A per-recipient token that names the address and proves we issued it."""
    normalised = address.strip().lower()
    return f"{_b64(normalised.encode())}.{_b64(_mac(normalised, secret))}"


def address_from_token(token: str, secret: str) -> str | None:
    """The address a token was issued for, or None if it was not issued with this secret."""
    encoded, _, signature = token.partition(".")
    if not token.isascii():
        return None
    try:
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return address if hmac.compare_digest(signature, _b64(_mac(address, secret))) else None


def _mac(address: str, secret: str) -> bytes:
    return hmac.new(secret.encode(), b"unsubscribe\0" + address.encode(), hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
