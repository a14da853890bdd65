"""HMAC-SHA256 webhook signatures with a timestamp, and their verification.

The signed message is `<unix timestamp>.<raw body>`; the header reads `t=<ts>,v1=<hex>`.
Binding the timestamp into the MAC lets a receiver reject old messages (replays beyond the
tolerance window); remembering delivery ids inside the window rejects the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict

SIGNATURE_HEADER = "X-Trustd-Signature"
EVENT_HEADER = "X-Trustd-Event"
DELIVERY_HEADER = "X-Trustd-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105 - a public prefix, not a secret


class InvalidSignatureError(ValueError):
    """The request is not a genuine, fresh, first delivery; `reason` says which check failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={compute_signature(secret, timestamp, body)}"


def verify_signature(secret: str, header: str | None, body: bytes, now: float,
                     tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS) -> int:
    """Checks the header against the body; returns the signed timestamp."""
    if not header:
        raise InvalidSignatureError("missing signature header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError) as exc:
        raise InvalidSignatureError("malformed signature header") from exc
    if abs(now - timestamp) > tolerance_seconds:
        raise InvalidSignatureError("timestamp outside the tolerance window")
    expected = compute_signature(secret, timestamp, body)
    # Several v1 values are allowed so a sender can sign with an old and a new secret.
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise InvalidSignatureError("signature mismatch")
    return timestamp


class ReplayGuard:
    """Remembers recently seen delivery ids (bounded) so a captured request is refused."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def first_time(self, delivery_id: str) -> bool:
        with self._lock:
            if delivery_id in self._seen:
                return False
            self._seen[delivery_id] = None
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
            return True
