"""POST /v1/sellers/{id}/feedback: validation, idempotency, conflicts, pseudonymisation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.sellers.tables import SellerFeedback


def rows(session_factory) -> list[SellerFeedback]:
    with session_factory() as session:
        return list(session.scalars(select(SellerFeedback).order_by(SellerFeedback.id)))


def test_feedback_is_stored_with_a_pseudonym(client, api_keys, session_factory, post_feedback):
    response = post_feedback(
        client,
        api_keys.platform,
        order_id="o-77",
        buyer_id="alice@example.com",
        rating=4,
        as_described=True,
        order_value="120.5",
        currency="cny",
        comment="fast delivery",
        created_at="2025-05-01T10:00:00+08:00",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "created"
    assert body["order_id"] == "o-77"
    assert body["currency"] == "CNY"
    assert body["verified_order"] is True
    assert body["created_at"].startswith("2025-05-01T02:00:00")
    assert "buyer_id" not in body and "buyer_key" not in body
    [row] = rows(session_factory)
    assert row.platform_id == "shop-a"
    assert row.buyer_key.startswith("bp_")
    stored = " ".join(str(getattr(row, c.key)) for c in SellerFeedback.__table__.columns)
    assert "alice" not in stored


def test_retry_returns_the_stored_record(client, api_keys, session_factory, post_feedback):
    first = post_feedback(client, api_keys.platform, rating=5, comment="ok", order_value=10)
    again = post_feedback(client, api_keys.platform, rating=5, comment="ok", order_value="10.00")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert again.json()["id"] == first.json()["id"]
    assert len(rows(session_factory)) == 1


@pytest.mark.parametrize(
    "change",
    [{"rating": 1}, {"buyer_id": "someone-else"}, {"counterfeit_suspected": True}, {"comment": "changed my mind"}],
)
def test_conflicting_duplicate_is_409_and_changes_nothing(client, api_keys, session_factory, post_feedback, change):
    first = post_feedback(client, api_keys.platform, rating=5)
    [before] = rows(session_factory)
    conflict = post_feedback(client, api_keys.platform, **{"rating": 5, **change})
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert error["code"] == "conflicting_feedback"
    assert error["details"]["feedback_id"] == first.json()["id"]
    [row] = rows(session_factory)
    assert row.rating == 5 and row.counterfeit_suspected is False
    assert (row.buyer_key, row.comment) == (before.buyer_key, before.comment)


def test_same_order_for_another_seller_is_a_conflict(client, api_keys, post_feedback):
    assert post_feedback(client, api_keys.platform, seller="seller-1").status_code == 201
    assert post_feedback(client, api_keys.platform, seller="seller-2").status_code == 409


def test_order_ids_are_per_platform(client, api_keys, session_factory, post_feedback):
    assert post_feedback(client, api_keys.platform).status_code == 201
    assert post_feedback(client, api_keys.other_platform).status_code == 201
    a, b = rows(session_factory)
    assert {a.platform_id, b.platform_id} == {"shop-a", "shop-b"}
    assert a.buyer_key != b.buyer_key  # the same buyer id on two platforms is two people


def test_buyer_history_is_snapshotted_from_other_sellers(client, api_keys, session_factory, post_feedback):
    for i, seller in enumerate(["s-a", "s-b", "s-b", "s-c"]):
        response = post_feedback(
            client,
            api_keys.platform,
            seller=seller,
            order_id=f"h{i}",
            created_at=f"2025-0{i + 1}-01T00:00:00Z",
        )
        assert response.status_code == 201
    target = post_feedback(
        client,
        api_keys.platform,
        seller="s-a",
        order_id="h9",
        created_at="2025-06-01T00:00:00Z",
        buyer_account_created_at="2020-01-01T00:00:00Z",
    )
    assert target.status_code == 201
    row = rows(session_factory)[-1]
    assert row.buyer_orders_other == 3  # s-b twice and s-c; its own earlier s-a order excluded
    assert row.buyer_sellers_other == 2
    assert row.buyer_first_seen.isoformat().startswith("2025-01-01")
    assert row.buyer_account_created.isoformat().startswith("2020-01-01T00:00:00")


@pytest.mark.parametrize(
    "body",
    [
        {"order_id": "o", "buyer_id": "b", "rating": 6},
        {"order_id": "o", "buyer_id": "b", "rating": 0},
        {"order_id": "", "buyer_id": "b", "rating": 3},
        {"order_id": "o", "rating": 3},
        {"order_id": "o", "buyer_id": "b", "rating": 3, "currency": "euro"},
        {"order_id": "o", "buyer_id": "b", "rating": 3, "order_value": -1},
        {"order_id": "o", "buyer_id": "b", "rating": 3, "created_at": "2025-01-01T00:00:00"},
        {"order_id": "o", "buyer_id": "b", "rating": 3, "created_at": "2999-01-01T00:00:00Z"},
        {"order_id": "o", "buyer_id": "b", "rating": 3, "unknown": 1},
    ],
)
def test_invalid_feedback_is_422_and_writes_nothing(client, api_keys, session_factory, body):
    response = client.post("/v1/sellers/s1/feedback", json=body, headers=api_keys.platform)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    assert rows(session_factory) == []


def test_only_platform_keys_file_feedback(client, api_keys, post_feedback):
    assert post_feedback(client, {}).status_code == 401
    assert post_feedback(client, api_keys.moderator).status_code == 403
    assert post_feedback(client, api_keys.admin).status_code == 403


def test_bad_seller_id_is_rejected(client, api_keys):
    body = {"order_id": "o", "buyer_id": "b", "rating": 3}
    response = client.post("/v1/sellers/%3Cscript%3E/feedback", json=body, headers=api_keys.platform)
    assert response.status_code == 422


def test_moderators_see_pseudonyms_and_platforms_do_not(client, api_keys, post_feedback):
    post_feedback(client, api_keys.platform, buyer_id="bob-the-buyer")
    listing = client.get("/v1/sellers/seller-1/feedback", headers=api_keys.moderator)
    assert listing.status_code == 200
    [item] = listing.json()["items"]
    assert item["buyer_key"].startswith("bp_")
    assert "bob-the-buyer" not in listing.text
    assert client.get("/v1/sellers/seller-1/feedback", headers=api_keys.platform).status_code == 403


def test_missing_key_is_401_before_body_validation(client) -> None:
    response = client.post("/v1/sellers/s-1/feedback", json={"rating": "not a number"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
