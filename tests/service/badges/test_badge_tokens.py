"""Badge tokens: round trip, and every way a forged or stale token must fail."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.badges.keyring import KeyRing, SigningKey, b64url_decode, b64url_encode
from service.badges.tokens import VerifyFailure, sign_token, verify_token

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
TTL = timedelta(days=30)


@pytest.fixture
def ring():
    return KeyRing([SigningKey.generate(NOW - timedelta(days=10))], TTL)


def issue(ring, now=NOW, **overrides):
    fields: dict[str, Any] = {
        "seller_id": "seller-42",
        "platform": "shop-a",
        "tier": "gold",
        "score": 0.93456,
    }
    fields.update(overrides)
    return sign_token(ring, now=now, **fields)


def test_round_trip_carries_every_claim(ring):
    token, claims = issue(ring)
    result = verify_token(ring, token, NOW + timedelta(days=1))
    assert result.valid
    assert result.failure is None
    assert result.claims == claims
    assert claims.seller_id == "seller-42"
    assert claims.platform == "shop-a"
    assert claims.tier == "gold"
    assert claims.score == 0.935
    assert claims.issued_at == NOW
    assert claims.expires_at == NOW + TTL
    assert claims.kid == ring.active.kid
    assert token.startswith("tb1.")
    assert len(token) < 300


def test_every_single_character_change_is_rejected(ring):
    token, _ = issue(ring)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    for i, ch in enumerate(token):
        replacement = alphabet[(alphabet.index(ch) + 1) % len(alphabet)]
        forged = token[:i] + replacement + token[i + 1 :]
        assert not verify_token(ring, forged, NOW).valid, f"position {i}"


def test_every_single_bit_flip_of_the_decoded_parts_is_rejected(ring):
    token, _ = issue(ring)
    prefix, payload, signature = token.split(".")
    for part_index, part in ((1, payload), (2, signature)):
        raw = bytearray(b64url_decode(part))
        for byte in range(len(raw)):
            flipped = bytearray(raw)
            flipped[byte] ^= 0x01
            parts = [prefix, payload, signature]
            parts[part_index] = b64url_encode(bytes(flipped))
            result = verify_token(ring, ".".join(parts), NOW)
            assert not result.valid
            assert result.failure in {
                VerifyFailure.BAD_SIGNATURE,
                VerifyFailure.MALFORMED,
                VerifyFailure.UNKNOWN_KEY,
            }


def test_changed_claim_with_recomputed_encoding_fails_signature(ring):
    token, _ = issue(ring, tier="bronze")
    prefix, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["tier"] = "gold"
    body = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()
    forged = f"{prefix}.{b64url_encode(body)}.{signature}"
    assert verify_token(ring, forged, NOW).failure is VerifyFailure.BAD_SIGNATURE


def test_padded_or_non_canonical_base64_is_malformed(ring):
    token, _ = issue(ring)
    prefix, payload, signature = token.split(".")
    for bad_payload in (payload + "=", payload + "==", base64.b64encode(b"{}").decode()):
        result = verify_token(ring, f"{prefix}.{bad_payload}.{signature}", NOW)
        assert result.failure is VerifyFailure.MALFORMED
    with pytest.raises(ValueError):
        b64url_decode("QR")  # "R" leaves a non-zero trailing bit: same bytes as "QQ"
    assert b64url_decode("QQ") == b"A"


def test_expired_token_fails_but_still_shows_its_claims(ring):
    token, claims = issue(ring)
    result = verify_token(ring, token, NOW + TTL + timedelta(seconds=1))
    assert not result.valid
    assert result.failure is VerifyFailure.EXPIRED
    assert result.claims == claims


def test_token_from_unknown_key_is_rejected(ring):
    other = KeyRing([SigningKey.generate(NOW)], TTL)
    token, _ = issue(other)
    result = verify_token(ring, token, NOW)
    assert result.failure is VerifyFailure.UNKNOWN_KEY
    assert result.claims is None


def test_token_from_the_future_is_rejected(ring):
    token, _ = issue(ring, now=NOW + timedelta(days=2))
    assert verify_token(ring, token, NOW).failure is VerifyFailure.NOT_YET_VALID


@pytest.mark.parametrize(
    "garbage",
    ["", "tb1", "tb1..", "tb2.e30.AAAA", "tb1.e30.AAAA", "x" * 5000, "tb1.\u00e9.AA", "a.b.c.d"],
)
def test_garbage_is_malformed_not_an_exception(ring, garbage):
    assert verify_token(ring, garbage, NOW).failure is VerifyFailure.MALFORMED
