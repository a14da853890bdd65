"""Ed25519 signing keys for badge tokens, with rotation.

The newest key that is not retired signs. A retired key keeps verifying for one token lifetime
after retirement, so every token it signed stays verifiable until that token expires, then it
drops out of the ring's public listing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict decode: rejects padding, foreign characters and non-canonical trailing bits, so one
    token has exactly one spelling and a changed character can never decode to the same bytes."""
    if not text or "=" in text or len(text) % 4 == 1:
        raise ValueError("bad base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(raw) != text:
        raise ValueError("non-canonical base64url")
    return raw


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    return b64url_encode(hashlib.sha256(_raw_public(public)).digest()[:9])


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey = field(repr=False)
    created_at: datetime
    retired_at: datetime | None = None

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def kid(self) -> str:
        return key_id(self.public)

    @classmethod
    def generate(cls, now: datetime) -> SigningKey:
        return cls(Ed25519PrivateKey.generate(), now)


class KeyRing:
    def __init__(self, keys: list[SigningKey], token_ttl: timedelta) -> None:
        if not any(k.retired_at is None for k in keys):
            raise ValueError("a key ring needs one key that is not retired")
        self.keys = sorted(keys, key=lambda k: k.created_at)
        self.token_ttl = token_ttl
        self._by_kid = {k.kid: k for k in self.keys}

    @property
    def active(self) -> SigningKey:
        return [k for k in self.keys if k.retired_at is None][-1]

    def _verifies_at(self, key: SigningKey, now: datetime) -> bool:
        return key.retired_at is None or now <= key.retired_at + self.token_ttl

    def verify_key(self, kid: str, now: datetime) -> Ed25519PublicKey | None:
        key = self._by_kid.get(kid)
        if key is None or not self._verifies_at(key, now):
            return None
        return key.public

    def rotate(self, now: datetime) -> KeyRing:
        """A new ring where a fresh key signs and the previous ones only verify."""
        kept = [
            k if k.retired_at is not None else replace(k, retired_at=now)
            for k in self.keys
            if self._verifies_at(k, now)
        ]
        return KeyRing([*kept, SigningKey.generate(now)], self.token_ttl)

    def public_keys(self, now: datetime) -> list[dict[str, Any]]:
        """JWK-style listing (RFC 8037 OKP keys) of every key that still verifies."""
        out = []
        for k in self.keys:
            if not self._verifies_at(k, now):
                continue
            out.append(
                {
                    "kid": k.kid,
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "alg": "EdDSA",
                    "use": "sig",
                    "x": b64url_encode(_raw_public(k.public)),
                    "status": "active" if k is self.active else "verify-only",
                    "created_at": k.created_at.isoformat(),
                    "verify_until": None if k.retired_at is None else (k.retired_at + self.token_ttl).isoformat(),
                }
            )
        return out

    def to_json(self) -> str:
        """Private material: written only to a 0600 file or a secret store, never logged."""
        keys = [
            {
                "seed": b64url_encode(k.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())),
                "created_at": k.created_at.isoformat(),
                "retired_at": k.retired_at.isoformat() if k.retired_at else None,
            }
            for k in self.keys
        ]
        return json.dumps({"keys": keys}, indent=2)

    @classmethod
    def from_json(cls, text: str, token_ttl: timedelta) -> KeyRing:
        data = json.loads(text)
        keys = [
            SigningKey(
                Ed25519PrivateKey.from_private_bytes(b64url_decode(item["seed"])),
                datetime.fromisoformat(item["created_at"]),
                datetime.fromisoformat(item["retired_at"]) if item.get("retired_at") else None,
            )
            for item in data["keys"]
        ]
        return cls(keys, token_ttl)

    def __repr__(self) -> str:  # never print key material
        return f"KeyRing(kids={[k.kid for k in self.keys]}, active={self.active.kid})"
