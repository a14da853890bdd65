"""POST /v1/listings/score end to end: real catalog, captions model, reputation, database."""

from __future__ import annotations

import base64
import hashlib

import pytest
from fastapi.testclient import TestClient

from service.app.factory import create_app
from service.listings.photos import cache_key

PRICE_REASONS = {"price_far_below_list", "price_below_list"}


def test_official_photo_at_a_fifth_of_list_by_unauthorized_seller_is_blocked(
        client, api_keys, official, score, photo):
    response = score([photo(7), official.photo, photo(8)], price=2_400,
                     seller_id="unknown-shop")
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["decision"] == "block"
    assert data["level"] == "high"
    raising = [r["code"] for r in data["reasons"] if r["contribution"] > 0]
    assert "official_photo_unauthorized_seller" in raising[:3]
    assert PRICE_REASONS & set(raising[:3])
    assert data["image_matches"][0]["catalog_image_id"] == official.image_id
    assert data["image_matches"][0]["photo_index"] == 1
    assert data["price_check"]["ratio"] == pytest.approx(0.2)
    assert data["price_check"]["product_id"] == official.product_id
    assert data["seller"]["available"] is False
    assert set(data["model_versions"]) == {"risk", "captions", "matching", "reputation"}
    assert data["review_item_id"] is not None
    # Decided in the first response: the official photo needs only the hash stage, the two
    # unmatched photos get the keypoint stage afterwards.
    assert data["image_check"]["status"] == "pending"
    assert data["image_check"]["pending_photos"] == [0, 2]
    queue = client.get("/v1/review/queue", headers=api_keys.moderator).json()["items"]
    assert [i["listing_id"] for i in queue] == ["L-1"]
    detail = client.get(f"/v1/review/items/{data['review_item_id']}",
                        headers=api_keys.moderator).json()
    assert detail["assessment"]["image_matches"][0]["catalog_image_id"] == official.image_id


def test_same_photo_by_authorized_seller_at_list_price_is_allowed(client, api_keys, official,
                                                                   score):
    response = score([official.photo], seller_id="authorized-shop")
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["decision"] == "allow"
    assert data["image_check"] == {"status": "complete", "stages": ["hash"],
                                   "deep_check_id": None, "pending_photos": [],
                                   "updated_version": None, "skipped_photos": [],
                                   "bank_matches": []}
    codes = {r["code"]: r["contribution"] for r in data["reasons"]}
    assert codes["authorized_reseller"] < 0
    assert not PRICE_REASONS & set(codes)
    assert data["review_item_id"] is None
    assert client.get("/v1/review/queue", headers=api_keys.moderator).json()["items"] == []


def test_counterfeit_caption_is_evidence(official, score, photo):
    data = score([photo(3)], caption="高仿 1:1 原单 加v私聊", price=None).json()
    # The caption model is loaded at start-up: "unavailable" here is a failure, not a skip.
    assert data["model_versions"]["captions"] != "unavailable"
    codes = [r["code"] for r in data["reasons"] if r["contribution"] > 0]
    assert "counterfeit_language" in codes
    assert {s["category"] for s in data["caption"]["spans"]} >= {"grade_slang"}
    assert data["decision"] in ("review", "block")


def test_rescoring_same_content_returns_the_stored_assessment(client, api_keys, official, score,
                                                              photo):
    first = score([official.photo], price=2_400).json()
    again = score([official.photo], price=2_400).json()
    assert (again["stored"], again["assessment_version"]) == (True, 1)
    assert again["risk"] == first["risk"]
    assert again["review_item_id"] == first["review_item_id"]
    changed = score([official.photo], price=2_500).json()
    assert (changed["stored"], changed["assessment_version"]) == (False, 2)
    latest = client.get("/v1/listings/L-1", headers=api_keys.platform).json()
    assert latest["assessment_version"] == 2
    assert client.get("/v1/listings/L-1", headers=api_keys.other_platform).status_code == 404
    other = score([official.photo], price=2_400, headers=api_keys.other_platform).json()
    assert (other["stored"], other["assessment_version"]) == (False, 1)  # per platform


def test_photo_match_results_are_cached_by_content(client, official, score):
    score([official.photo], price=2_400)
    state = client.app.state.trust
    sha = hashlib.sha256(official.photo).hexdigest()
    version = state.listings.get().matcher.version  # names the catalog state it matched against
    assert state.cache.get(cache_key("hash", version, sha)) is not None
    # Matched by the hash stage: no keypoint stage was needed, in the request or after it.
    assert state.cache.get(cache_key("local", version, sha)) is None


@pytest.mark.redis
def test_photo_cache_lives_in_redis_when_configured(make_settings, database_url, redis_url,
                                                    redis_client, api_keys, official, photo):
    settings = make_settings(database_url=database_url, redis_url=redis_url)
    with TestClient(create_app(settings, load_in_background=False)) as redis_app:
        body = {"listing_id": "R-1", "seller_id": "s", "price": 100, "currency": "CNY",
                "images": [{"data": base64.b64encode(official.photo).decode()}]}
        assert redis_app.post("/v1/listings/score", json=body,
                              headers=api_keys.platform).status_code == 200
    sha = hashlib.sha256(official.photo).hexdigest()
    assert redis_client.keys(f"trustd:cache:listing-photo:*:{sha}")


def test_platform_thresholds_override_the_decision(make_settings, database_url, api_keys,
                                                   official, photo):
    settings = make_settings(database_url=database_url,
                             platform_risk_thresholds={"shop-a": {"review": 0.0, "block": 1.0}})
    with TestClient(create_app(settings, load_in_background=False)) as strict:
        body = {"listing_id": "T-1", "seller_id": "authorized-shop", "price": 12_000,
                "currency": "CNY", "images": [{"data": base64.b64encode(official.photo).decode()}]}
        data = strict.post("/v1/listings/score", json=body, headers=api_keys.platform).json()
    assert data["decision"] == "review"
    assert data["thresholds"] == {"review": 0.0, "block": 1.0}


def test_multipart_form_is_accepted(client, api_keys, official):
    response = client.post(
        "/v1/listings/score", headers=api_keys.platform,
        data={"listing_id": "M-1", "seller_id": "x", "price": "2400", "currency": "CNY",
              "caption": "new bag"},
        files=[("images", ("a.jpg", official.photo, "image/jpeg"))])
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "block"


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"images": 10}, 422, "too_many_images"),
    ({"images": 0}, 422, "no_images"),
    ({"listing_id": ""}, 422, "invalid_input"),
    ({"price": -5}, 422, "invalid_input"),
    ({"bad_image": True}, 415, "unsupported_image_format"),
])
def test_invalid_requests_get_clear_errors(score, photo, change, status, code):
    images = [photo(1)] * change.get("images", 1)
    if change.get("bad_image"):
        images = [b"not an image at all"]
    fields = {k: v for k, v in change.items() if k in ("listing_id", "price")}
    response = score(images, **fields)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_only_platform_keys_score(score, api_keys, photo):
    assert score([photo(1)], headers=api_keys.moderator).status_code == 403
    assert score([photo(1)], headers=api_keys.admin).status_code == 403


def test_a_photo_seen_before_is_not_decoded_again(official, score, photo, monkeypatch):
    from service.listings import service as listings_service

    decoded: list[int] = []
    real = listings_service.decode_image

    def counting(data, limits, index=0, draft_side=None):
        decoded.append(index)
        return real(data, limits, index, draft_side)

    monkeypatch.setattr(listings_service, "decode_image", counting)
    score([official.photo, photo(5)], listing_id="first")
    assert sorted(decoded) == [0, 1]
    decoded.clear()
    score([photo(6), official.photo], listing_id="second")
    assert decoded == [0]  # only the new photo; the official one's result was cached
