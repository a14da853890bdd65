"""Badge endpoints: SVG with ETag/304, shields JSON, signed tokens, verify and keys."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import jsonschema

from service.badges.keyring import KeyRing, SigningKey
from service.badges.tokens import sign_token


def test_badge_svg_has_cache_headers_and_answers_304(client):
    response = client.get("/v1/sellers/seller-1/badge.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "public, max-age=300"
    etag = response.headers["etag"]
    title = ET.fromstring(response.text).find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == "seller trust: new"
    again = client.get("/v1/sellers/seller-1/badge.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    stale = client.get("/v1/sellers/seller-1/badge.svg", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_badge_changes_when_feedback_arrives(client, api_keys, post_feedback, established_buyers):
    buyers = established_buyers(client, api_keys.platform, 6)
    first = client.get("/v1/sellers/seller-1/badge.svg")
    for i, buyer in enumerate(buyers):
        post_feedback(client, api_keys.platform, order_id=f"r{i}", buyer_id=buyer, rating=1, as_described=False)
    second = client.get("/v1/sellers/seller-1/badge.svg")
    assert second.headers["etag"] != first.headers["etag"]
    assert "warning" in second.text


def test_badge_json_follows_the_shields_schema(client, shields_schema):
    response = client.get("/v1/sellers/seller-1/badge.json")
    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, shields_schema)
    assert body["message"] == "new"
    assert "etag" in response.headers
    assert (
        client.get("/v1/sellers/seller-1/badge.json", headers={"If-None-Match": response.headers["etag"]}).status_code
        == 304
    )


def test_token_round_trip_through_verify(client, api_keys):
    issued = client.get("/v1/sellers/seller-1/badge-token", headers=api_keys.platform)
    assert issued.status_code == 200
    body = issued.json()
    assert body["platform"] == "shop-a"
    assert body["tier"] == "new"
    assert body["page_url"].endswith(f"/s/seller-1?token={body['token']}")
    verdict = client.post("/v1/badges/verify", json={"token": body["token"]}).json()
    assert verdict["valid"] is True
    assert verdict["claims"]["seller_id"] == "seller-1"
    assert verdict["claims"]["kid"] == body["kid"]
    assert verdict["current"]["tier"] == "new"
    assert verdict["current"]["tier_changed"] is False
    keys = client.get("/v1/badges/keys").json()["keys"]
    assert body["kid"] in {k["kid"] for k in keys}


def test_badge_token_needs_a_key(client, api_keys):
    assert client.get("/v1/sellers/seller-1/badge-token").status_code == 401
    assert client.get("/v1/sellers/seller-1/badge-token", headers=api_keys.moderator).status_code == 403


def test_verify_rejects_changed_unknown_and_expired_tokens(client, api_keys, runtime):
    token = client.get("/v1/sellers/seller-1/badge-token", headers=api_keys.platform).json()["token"]
    i = len(token) // 3
    changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    verdict = client.post("/v1/badges/verify", json={"token": changed}).json()
    assert verdict["valid"] is False
    assert verdict["failure"] in {"bad_signature", "malformed", "unknown_key"}

    stranger = KeyRing([SigningKey.generate(datetime.now(UTC))], timedelta(days=30))
    foreign, _ = sign_token(
        stranger, seller_id="seller-1", platform="x", tier="gold", score=0.99, now=datetime.now(UTC)
    )
    verdict = client.post("/v1/badges/verify", json={"token": foreign}).json()
    assert verdict == {"valid": False, "failure": "unknown_key", "claims": None, "current": None}

    old, _ = sign_token(
        runtime.key_ring,
        seller_id="seller-1",
        platform="shop-a",
        tier="gold",
        score=0.95,
        now=datetime.now(UTC) - timedelta(days=31),
    )
    verdict = client.post("/v1/badges/verify", json={"token": old}).json()
    assert verdict["valid"] is False
    assert verdict["failure"] == "expired"
    assert verdict["claims"]["tier"] == "gold"
    assert verdict["claims"]["age_seconds"] >= 31 * 86400
    assert verdict["current"]["tier_changed"] is True


def test_rotation_keeps_issued_tokens_valid(client, api_keys, runtime):
    token = client.get("/v1/sellers/seller-1/badge-token", headers=api_keys.platform).json()
    runtime.key_ring = runtime.key_ring.rotate(datetime.now(UTC))
    newer = client.get("/v1/sellers/seller-1/badge-token", headers=api_keys.platform).json()
    assert newer["kid"] != token["kid"]
    for t in (token, newer):
        assert client.post("/v1/badges/verify", json={"token": t["token"]}).json()["valid"]
    statuses = {k["kid"]: k["status"] for k in client.get("/v1/badges/keys").json()["keys"]}
    assert statuses == {token["kid"]: "verify-only", newer["kid"]: "active"}


def test_verify_validates_its_body(client):
    assert client.post("/v1/badges/verify", json={}).status_code == 422
    assert client.post("/v1/badges/verify", json={"token": "x" * 2000}).status_code == 422
    garbage = client.post("/v1/badges/verify", json={"token": "not a token"}).json()
    assert garbage["valid"] is False and garbage["failure"] == "malformed"
