"""CSRF protection for the anonymous report form: a signed double-submit token.

The page sets a random nonce in a SameSite=Strict, HttpOnly cookie and puts
`<issued>.<HMAC(secret, nonce|seller|issued)>` in the form. A cross-site page can neither read
nor set the cookie, so it cannot produce a matching form field; the HMAC binds the field to the
seller and to a time, so a harvested field expires. A token files one report: the report
form spends it (service/badges/repository.py), so a captured post cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

COOKIE_NAME = "trustd_csrf"
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_AGE_SECONDS = 2 * 3600


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def _mac(secret: bytes, nonce: str, seller_id: str, issued: int) -> str:
    message = f"{nonce}\x1f{seller_id}\x1f{issued}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:40]


def form_token(secret: bytes, nonce: str, seller_id: str, now: float) -> str:
    issued = int(now)
    return f"{issued}.{_mac(secret, nonce, seller_id, issued)}"


def token_id(token: str) -> str:
    """What identifies a checked token among those spent: its MAC."""
    return token.partition(".")[2]


def expires_at(token: str) -> float:
    """When a checked token stops being accepted (epoch seconds)."""
    return int(token.partition(".")[0]) + MAX_AGE_SECONDS


def check_form_token(secret: bytes, nonce: str | None, seller_id: str, token: str | None, now: float) -> bool:
    if not nonce or not token or len(token) > 100:
        return False
    issued_text, _, mac = token.partition(".")
    if not issued_text.isdigit():
        return False
    issued = int(issued_text)
    if not (0 <= now - issued <= MAX_AGE_SECONDS):
        return False
    return hmac.compare_digest(mac, _mac(secret, nonce, seller_id, issued))
