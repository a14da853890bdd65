"""Key ring rotation, public listing and (de)serialisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.badges.keyring import KeyRing, SigningKey
from service.badges.tokens import VerifyFailure, sign_token, verify_token

NOW = datetime(2025, 3, 1, tzinfo=UTC)
TTL = timedelta(days=30)


def issue(ring, now):
    return sign_token(ring, seller_id="s", platform="p", tier="silver", score=0.8, now=now)[0]


def test_rotation_keeps_old_tokens_verifiable_until_they_expire():
    ring = KeyRing([SigningKey.generate(NOW)], TTL)
    old_token = issue(ring, NOW)
    rotated = ring.rotate(NOW + timedelta(days=5))
    assert rotated.active.kid != ring.active.kid
    new_token = issue(rotated, NOW + timedelta(days=5))
    assert verify_token(rotated, old_token, NOW + timedelta(days=6)).valid
    assert verify_token(rotated, new_token, NOW + timedelta(days=6)).valid
    statuses = {k["kid"]: k["status"] for k in rotated.public_keys(NOW + timedelta(days=6))}
    assert statuses == {ring.active.kid: "verify-only", rotated.active.kid: "active"}
    # After the old key's last token expired, the old key is gone from the listing and tokens.
    late = NOW + timedelta(days=5) + TTL + timedelta(seconds=1)
    assert [k["kid"] for k in rotated.public_keys(late)] == [rotated.active.kid]
    assert verify_token(rotated, old_token, late).failure is VerifyFailure.UNKNOWN_KEY


def test_a_second_rotation_drops_keys_past_their_window():
    ring = KeyRing([SigningKey.generate(NOW)], TTL)
    once = ring.rotate(NOW + timedelta(days=1))
    twice = once.rotate(NOW + timedelta(days=100))
    assert len(twice.keys) == 2
    assert ring.active.kid not in {k.kid for k in twice.keys}


def test_public_keys_are_okp_jwks_without_private_material():
    ring = KeyRing([SigningKey.generate(NOW)], TTL)
    [jwk] = ring.public_keys(NOW)
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    assert len(jwk["x"]) == 43  # 32 bytes, unpadded base64url
    assert "d" not in jwk
    assert "seed" not in repr(ring)
    seed = ring.to_json().split('"seed": "')[1].split('"')[0]
    assert seed not in repr(ring)
    assert seed not in str(jwk)


def test_json_round_trip_preserves_keys_and_retirement():
    ring = KeyRing([SigningKey.generate(NOW)], TTL).rotate(NOW + timedelta(days=2))
    loaded = KeyRing.from_json(ring.to_json(), TTL)
    assert [k.kid for k in loaded.keys] == [k.kid for k in ring.keys]
    assert loaded.active.kid == ring.active.kid
    assert [k.retired_at for k in loaded.keys] == [k.retired_at for k in ring.keys]
    token = issue(ring, NOW + timedelta(days=3))
    assert verify_token(loaded, token, NOW + timedelta(days=3)).valid


def test_a_ring_without_a_signing_key_is_refused():
    retired = SigningKey.generate(NOW)
    with pytest.raises(ValueError):
        KeyRing([SigningKey(retired.private, NOW, retired_at=NOW)], TTL)
