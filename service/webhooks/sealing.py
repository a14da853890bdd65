"""Webhook signing secrets sealed at rest: AES-256-GCM under a server key.

Unlike an API key, which is only ever compared and so is stored as a hash, a webhook
secret must be recoverable: the service signs every delivery with it. Sealing keeps a
database dump (a backup, a replica, a read-only injection) from yielding secrets that would
let anyone forge this service's webhooks to a platform. The ciphertext is bound to the
platform it belongs to, so a sealed value copied onto another tenant's row does not open.

The key: `TRUST_WEBHOOK_SEAL_KEY` (required in prod, at least 32 characters); in dev and
test it is generated once under `var/secrets/webhook-seal.key` (0600), shared by the app and
the worker processes of that var dir. Values stored before sealing existed (no prefix)
still open as they are.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets as pysecrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service.kit.secret_store import load_or_create
from service.kit.settings import Settings

PREFIX = "seal1:"
MIN_KEY_CHARS = 32
_NONCE_BYTES = 12


class SealError(RuntimeError):
    """A sealed secret that does not open under this key (wrong key, or tampered)."""


def seal_key(settings: Settings) -> bytes:
    configured = settings.webhook_seal_key
    if configured is not None:
        text = configured.get_secret_value()
        if len(text) < MIN_KEY_CHARS:  # the message must never echo the value
            raise RuntimeError(f"TRUST_WEBHOOK_SEAL_KEY must be at least {MIN_KEY_CHARS} "
                               "random characters")
    elif settings.env == "prod":
        raise RuntimeError("TRUST_WEBHOOK_SEAL_KEY must be set when TRUST_ENV=prod")
    else:
        path = Path(settings.var_dir) / "secrets" / "webhook-seal.key"
        text = load_or_create(path, lambda: pysecrets.token_urlsafe(48))
    return hashlib.sha256(b"trustd:webhook-seal:" + text.encode()).digest()


def seal(key: bytes, secret: str, platform_id: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), platform_id.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(key: bytes, stored: str, platform_id: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # stored before sealing existed
    raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX) + "==")
    try:
        plain = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], platform_id.encode())
    except InvalidTag:
        raise SealError("a webhook secret does not open under this seal key") from None
    return plain.decode()


def startup_step(settings: Settings) -> None:
    """Fails start-up (readiness 503, logged) when the key is missing or weak in prod."""
    seal_key(settings)
