"""Where the pseudonymisation secret comes from (the badge signing keys: badges/secrets.py).

prod: configured explicitly (TRUST_PSEUDONYM_SECRET), checked when the domain starts. dev:
generated once under var/secrets/ with 0600 permissions and reused, so pseudonyms survive
restarts. test: random per process. Values are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as pysecrets
from pathlib import Path
from typing import TYPE_CHECKING

from service.kit.secret_store import load_or_create, required_secret
from service.sellers.pseudonym import MIN_SECRET_BYTES

if TYPE_CHECKING:
    from service.kit.settings import Settings

WEAK_VALUES = {"changeme", "change-me", "secret", "password", "default", "test", "dev"}
ENV_NAME = "TRUST_PSEUDONYM_SECRET"


def require_configured(settings: Settings) -> None:
    """Refuses a missing prod secret or a weak one, without echoing it."""
    text = required_secret(settings.pseudonym_secret, ENV_NAME, settings.env)
    if text is not None and (len(text.encode()) < MIN_SECRET_BYTES
                             or text.strip().lower() in WEAK_VALUES):
        raise RuntimeError(f"{ENV_NAME} must be a random value of at least {MIN_SECRET_BYTES} bytes")


def secrets_dir(settings: Settings) -> Path:
    return Path(settings.var_dir) / "secrets"


def pseudonym_secret(settings: Settings) -> bytes:
    if settings.pseudonym_secret is not None:
        return settings.pseudonym_secret.get_secret_value().encode()
    if settings.env == "dev":
        path = secrets_dir(settings) / "pseudonym.key"
        return load_or_create(path, lambda: pysecrets.token_urlsafe(48)).encode()
    return pysecrets.token_bytes(MIN_SECRET_BYTES)


def derived_key(secret: bytes, purpose: str) -> bytes:
    """Independent sub-keys from one secret, so a CSRF token never doubles as a pseudonym."""
    return hmac.new(secret, f"trustd:{purpose}".encode(), hashlib.sha256).digest()
