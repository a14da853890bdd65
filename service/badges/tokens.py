"""Compact Ed25519-signed badge tokens.

Format: ``tb1.<payload>.<signature>``, both parts unpadded base64url. The payload is compact
JSON with sorted keys; the signature covers the ASCII bytes ``tb1.<payload>``, so the version
prefix is signed too. Times are integer Unix seconds.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature

from service.badges.keyring import KeyRing, b64url_decode, b64url_encode

PREFIX = "tb1"
MAX_TOKEN_CHARS = 1024  # far above any real token; bounds parsing work on hostile input
_CLAIM_KEYS = {"sel", "plt", "tier", "sc", "iat", "exp", "kid"}


@dataclass(frozen=True)
class BadgeClaims:
    seller_id: str
    platform: str
    tier: str
    score: float  # rounded to 3 decimals
    issued_at: datetime
    expires_at: datetime
    kid: str

    def to_payload(self) -> dict[str, object]:
        return {
            "sel": self.seller_id,
            "plt": self.platform,
            "tier": self.tier,
            "sc": round(self.score, 3),
            "iat": int(self.issued_at.timestamp()),
            "exp": int(self.expires_at.timestamp()),
            "kid": self.kid,
        }

    @classmethod
    def from_payload(cls, data: object) -> BadgeClaims:
        if not isinstance(data, dict) or set(data) != _CLAIM_KEYS:
            raise ValueError("unexpected claims")
        strings = ("sel", "plt", "tier", "kid")
        ints = ("iat", "exp")
        if not all(isinstance(data[k], str) for k in strings):
            raise ValueError("bad claim type")
        if not all(type(data[k]) is int for k in ints):
            raise ValueError("bad claim type")
        if type(data["sc"]) not in (int, float):
            raise ValueError("bad claim type")
        return cls(
            seller_id=data["sel"],
            platform=data["plt"],
            tier=data["tier"],
            score=float(data["sc"]),
            issued_at=datetime.fromtimestamp(data["iat"], UTC),
            expires_at=datetime.fromtimestamp(data["exp"], UTC),
            kid=data["kid"],
        )


class VerifyFailure(enum.StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


@dataclass(frozen=True)
class VerifyResult:
    valid: bool
    failure: VerifyFailure | None = None
    # Present whenever the signature checked out, expired or not, so a stale token's age shows.
    claims: BadgeClaims | None = None


def sign_token(
    ring: KeyRing,
    *,
    seller_id: str,
    platform: str,
    tier: str,
    score: float,
    now: datetime,
) -> tuple[str, BadgeClaims]:
    key = ring.active
    issued = now.replace(microsecond=0)
    claims = BadgeClaims(
        seller_id=seller_id,
        platform=platform,
        tier=tier,
        score=round(score, 3),
        issued_at=issued,
        expires_at=issued + ring.token_ttl,
        kid=key.kid,
    )
    body = json.dumps(claims.to_payload(), separators=(",", ":"), sort_keys=True)
    signed = f"{PREFIX}.{b64url_encode(body.encode('utf-8'))}"
    signature = key.private.sign(signed.encode("ascii"))
    return f"{signed}.{b64url_encode(signature)}", claims


_CLOCK_SKEW_S = 300


def verify_token(ring: KeyRing, token: str, now: datetime) -> VerifyResult:
    """Checks, in order: shape, key id, signature, then validity period."""
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        return VerifyResult(False, VerifyFailure.MALFORMED)
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        return VerifyResult(False, VerifyFailure.MALFORMED)
    try:
        payload = b64url_decode(parts[1])
        signature = b64url_decode(parts[2])
        claims = BadgeClaims.from_payload(json.loads(payload.decode("utf-8")))
    except (ValueError, UnicodeDecodeError, OverflowError, OSError):
        return VerifyResult(False, VerifyFailure.MALFORMED)
    public = ring.verify_key(claims.kid, now)
    if public is None:
        return VerifyResult(False, VerifyFailure.UNKNOWN_KEY)
    try:
        public.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        return VerifyResult(False, VerifyFailure.BAD_SIGNATURE)
    ts = now.timestamp()
    if ts >= claims.expires_at.timestamp():
        return VerifyResult(False, VerifyFailure.EXPIRED, claims)
    if ts + _CLOCK_SKEW_S < claims.issued_at.timestamp():
        return VerifyResult(False, VerifyFailure.NOT_YET_VALID, claims)
    return VerifyResult(True, None, claims)
