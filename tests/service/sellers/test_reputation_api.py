"""GET /v1/sellers/{id}/reputation and the service calls other domains use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from service.sellers import service
from service.sellers.reputation import ReputationSummary, compute_summary


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def test_unknown_seller_is_new_with_the_prior(client, api_keys):
    response = client.get("/v1/sellers/nobody/reputation", headers=api_keys.platform)
    assert response.status_code == 200
    body = response.json()
    assert body["tier"] == "new"
    assert body["feedback_count"] == 0
    assert body["last_feedback_at"] is None
    assert body["model_version"] == "reputation-v1"
    assert body["reasons"][0]["code"] == "insufficient_evidence"


def test_reputation_requires_a_key(client):
    assert client.get("/v1/sellers/x/reputation").status_code == 401


def test_feedback_moves_the_reputation_at_once(client, api_keys, post_feedback):
    before = client.get("/v1/sellers/seller-1/reputation", headers=api_keys.platform).json()
    for i in range(3):
        post_feedback(
            client, api_keys.platform, order_id=f"o{i}", buyer_id=f"b{i}", rating=5, created_at=days_ago(3 + i)
        )
    after = client.get("/v1/sellers/seller-1/reputation", headers=api_keys.platform).json()
    assert after["feedback_count"] == 3
    assert after["score"] > before["score"]
    assert after["tier"] in {"new", "bronze"}
    assert 2.5 < after["days_since_last_feedback"] < 3.5


def test_counterfeit_reports_from_established_buyers_give_warning(client, api_keys, post_feedback):
    # Each reporter first builds a history with other sellers.
    for b in range(3):
        for k in range(6):
            post_feedback(
                client,
                api_keys.platform,
                seller=f"other-{k}",
                order_id=f"h{b}-{k}",
                buyer_id=f"buyer-{b}",
                rating=5,
                created_at=days_ago(200 - k),
            )
    for i in range(10):
        post_feedback(
            client, api_keys.platform, order_id=f"g{i}", buyer_id=f"fan-{i}", rating=5, created_at=days_ago(20 + i)
        )
    for b in range(3):
        post_feedback(
            client,
            api_keys.platform,
            order_id=f"r{b}",
            buyer_id=f"buyer-{b}",
            rating=1,
            counterfeit_suspected=True,
            created_at=days_ago(2),
        )
    body = client.get("/v1/sellers/seller-1/reputation", headers=api_keys.moderator).json()
    assert body["tier"] == "warning"
    assert body["counterfeit_reports"] == 3
    assert "counterfeit_reports" in {r["code"] for r in body["reasons"]}


def test_confirmed_counterfeit_is_idempotent_and_gives_warning(client, api_keys, session_factory, post_feedback):
    for i in range(12):
        post_feedback(
            client, api_keys.platform, order_id=f"g{i}", buyer_id=f"fan-{i}", rating=5, created_at=days_ago(10 + i)
        )
    cache = client.app.state.trust.cache
    with session_factory() as session:
        first, created = service.record_confirmed_counterfeit(
            session,
            "seller-1",
            reference="review:1",
            confirmed_by="mod-1",
            order_value=Decimal("899"),
            currency="cny",
            cache=cache,
        )
        again, created_again = service.record_confirmed_counterfeit(
            session,
            "seller-1",
            reference="review:1",
            confirmed_by="mod-2",
            cache=cache,
        )
    assert created and not created_again
    assert again.id == first.id
    with session_factory() as session:
        summary = service.reputation_summary(session, "seller-1", cache=cache)
    assert isinstance(summary, ReputationSummary)
    assert summary.tier == "warning"
    assert summary.confirmed_counterfeits == 1
    api = client.get("/v1/sellers/seller-1/reputation", headers=api_keys.platform).json()
    assert api["tier"] == "warning"


def test_summary_survives_the_cache_round_trip(client, api_keys, session_factory, post_feedback):
    post_feedback(client, api_keys.platform, rating=2, as_described=False)
    with session_factory() as session:
        summary = compute_summary(session, "seller-1")
    assert ReputationSummary.from_json(summary.to_json()) == summary
