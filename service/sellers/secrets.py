"""Where the pseudonymisation secret and the badge signing keys come from.

prod: configured explicitly (TRUST_PSEUDONYM_SECRET, TRUST_BADGE_SIGNING_KEYS), checked when
the domain starts. dev: generated once under var/secrets/ with 0600 permissions and reused, so
pseudonyms and badge tokens survive restarts. test: random per process. Values are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as pysecrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from service.badges.keyring import KeyRing, SigningKey
from service.badges.secret_store import load_or_create
from service.db import utcnow
from service.sellers.pseudonym import MIN_SECRET_BYTES

if TYPE_CHECKING:
    from service.settings import Settings

WEAK_VALUES = {"changeme", "change-me", "secret", "password", "default", "test", "dev"}
ENV_NAMES = {"pseudonym_secret": "TRUST_PSEUDONYM_SECRET", "badge_signing_keys": "TRUST_BADGE_SIGNING_KEYS"}


def check_configured_secret(field: str, value: SecretStr | None, env: str) -> None:
    """Raises RuntimeError for a missing prod secret, a weak one, or an unparsable key ring.

    Runs when the domain starts rather than as a settings validator, because pydantic's
    validation errors echo the raw input, and a secret must never reach an error message.
    """
    name = ENV_NAMES.get(field, field)
    if value is None:
        if env == "prod":
            raise RuntimeError(f"{name} must be set when TRUST_ENV=prod")
        return
    text = value.get_secret_value()
    if field == "pseudonym_secret":
        if len(text.encode()) < MIN_SECRET_BYTES or text.strip().lower() in WEAK_VALUES:
            raise RuntimeError(f"{name} must be a random value of at least {MIN_SECRET_BYTES} bytes")
    elif field == "badge_signing_keys":
        try:
            KeyRing.from_json(text, timedelta(days=1))
        except Exception as exc:  # the message must not echo the secret
            raise RuntimeError(f"{name} is not a valid key ring ({type(exc).__name__})") from None


def require_configured(settings: Settings) -> None:
    for field in ENV_NAMES:
        check_configured_secret(field, getattr(settings, field), settings.env)


def _secrets_dir(settings: Settings) -> Path:
    return Path(settings.var_dir) / "secrets"


def pseudonym_secret(settings: Settings) -> bytes:
    if settings.pseudonym_secret is not None:
        return settings.pseudonym_secret.get_secret_value().encode()
    if settings.env == "dev":
        path = _secrets_dir(settings) / "pseudonym.key"
        return load_or_create(path, lambda: pysecrets.token_urlsafe(48)).encode()
    return pysecrets.token_bytes(MIN_SECRET_BYTES)


def derived_key(secret: bytes, purpose: str) -> bytes:
    """Independent sub-keys from one secret, so a CSRF token never doubles as a pseudonym."""
    return hmac.new(secret, f"trustd:{purpose}".encode(), hashlib.sha256).digest()


def badge_key_ring(settings: Settings) -> KeyRing:
    ttl = timedelta(days=settings.badge_token_ttl_days)
    if settings.badge_signing_keys is not None:
        return KeyRing.from_json(settings.badge_signing_keys.get_secret_value(), ttl)
    if settings.env == "dev":
        path = _secrets_dir(settings) / "badge-keys.json"
        fresh = KeyRing([SigningKey.generate(utcnow())], ttl)
        return KeyRing.from_json(load_or_create(path, fresh.to_json), ttl)
    return KeyRing([SigningKey.generate(utcnow())], ttl)
