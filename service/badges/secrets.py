"""Where the badge signing keys come from.

prod: configured explicitly (TRUST_BADGE_SIGNING_KEYS), checked when the domain starts. dev:
generated once under var/secrets/ with 0600 permissions and reused, so badge tokens survive
restarts. test: a fresh key per process. Key material is never logged.
"""

from __future__ import annotations

from datetime import timedelta

from service.badges.keyring import KeyRing, SigningKey
from service.kit.db import utcnow
from service.kit.secret_store import load_or_create, required_secret
from service.kit.settings import Settings
from service.sellers.secrets import secrets_dir

ENV_NAME = "TRUST_BADGE_SIGNING_KEYS"


def badge_key_ring(settings: Settings) -> KeyRing:
    ttl = timedelta(days=settings.badge_token_ttl_days)
    configured = required_secret(settings.badge_signing_keys, ENV_NAME, settings.env)
    if configured is not None:
        try:
            return KeyRing.from_json(configured, ttl)
        except Exception as exc:  # the message must not echo the secret
            raise RuntimeError(f"{ENV_NAME} is not a valid key ring ({type(exc).__name__})") from None
    if settings.env == "dev":
        path = secrets_dir(settings) / "badge-keys.json"
        fresh = KeyRing([SigningKey.generate(utcnow())], ttl)
        return KeyRing.from_json(load_or_create(path, fresh.to_json), ttl)
    return KeyRing([SigningKey.generate(utcnow())], ttl)
