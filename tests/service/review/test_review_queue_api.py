"""Review queue API: ordering, filters, claims with leases, decisions, audit, roles."""

from __future__ import annotations

import datetime as dt

from service.kit.db import utcnow
from service.listings.tables import Listing, ListingAssessment
from service.review import service as review
from service.review.tables import ReviewItem


def test_queue_orders_highest_level_then_oldest(client, api_keys, make_flagged):
    now = utcnow()
    medium_old = make_flagged(risk=0.5, level="medium", enqueued_at=now - dt.timedelta(hours=5))
    high_new = make_flagged(risk=0.99, level="high", enqueued_at=now - dt.timedelta(minutes=1))
    high_old = make_flagged(risk=0.9, level="high", enqueued_at=now - dt.timedelta(hours=2))
    response = client.get("/v1/review/queue", headers=api_keys.moderator)
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [high_old, high_new, medium_old]


def test_queue_filters(client, api_keys, make_flagged):
    now = utcnow()
    a = make_flagged(level="high", brand="Vellora", reasons=("brand_nickname",))
    b = make_flagged(level="medium", brand="Castel", reasons=("price_far_below_list",),
                     enqueued_at=now - dt.timedelta(hours=3))

    def ids(**params):
        r = client.get("/v1/review/queue", params=params, headers=api_keys.moderator)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids(level="medium") == [b]
    assert ids(brand="Vellora") == [a]
    assert ids(reason="brand_nickname") == [a]
    assert ids(reason="brand") == []  # whole codes only
    assert ids(min_age_minutes=60) == [b]
    assert ids(max_age_minutes=60) == [a]
    assert ids(limit=1) == [a]


def test_claim_is_exclusive_and_survives_in_the_database(client, api_keys, second_moderator,
                                                         make_flagged):
    item = make_flagged()
    first = client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    assert first.status_code == 200
    assert first.json()["lease_holder"] == "test-moderator"
    second = client.post(f"/v1/review/items/{item}/claim", headers=second_moderator)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "claimed_by_other"
    again = client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    assert again.status_code == 200  # the holder may renew its lease
    queue = client.get("/v1/review/queue", headers=second_moderator).json()["items"]
    assert item not in [i["id"] for i in queue]


def test_decision_only_by_the_lease_holder(client, api_keys, second_moderator, make_flagged):
    item = make_flagged()
    body = {"decision": "approve", "reason_codes": ["looks_genuine"], "note": "receipt shown"}
    unclaimed = client.post(f"/v1/review/items/{item}/decision", json=body,
                            headers=api_keys.moderator)
    assert unclaimed.status_code == 409
    assert unclaimed.json()["error"]["code"] == "not_lease_holder"
    client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    other = client.post(f"/v1/review/items/{item}/decision", json=body, headers=second_moderator)
    assert other.status_code == 409
    decided = client.post(f"/v1/review/items/{item}/decision", json=body,
                          headers=api_keys.moderator)
    assert decided.status_code == 200
    assert decided.json()["status"] == "decided"
    assert decided.json()["decision"] == "approve"
    late = client.post(f"/v1/review/items/{item}/decision", json=body, headers=api_keys.moderator)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "item_closed"


def test_audit_log_records_who_when_what_why(client, api_keys, second_moderator, make_flagged):
    item = make_flagged()
    client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    client.post(f"/v1/review/items/{item}/decision", headers=second_moderator,
                json={"decision": "remove"})  # refused: not the holder, so not audited
    client.post(f"/v1/review/items/{item}/decision", headers=api_keys.moderator,
                json={"decision": "remove", "reason_codes": ["counterfeit"], "note": "fake logo"})
    entries = client.get("/v1/review/audit", params={"item_id": item},
                         headers=api_keys.moderator).json()["items"]
    assert [e["action"] for e in entries] == ["enqueue", "claim", "decision"]
    decision = entries[-1]
    assert decision["actor_name"] == "test-moderator"
    assert decision["actor"].startswith("key:")
    assert decision["decision"] == "remove"
    assert decision["reason_codes"] == ["counterfeit"]
    assert decision["note"] == "fake logo"
    assert decision["created_at"]
    detail = client.get(f"/v1/review/items/{item}", headers=api_keys.moderator).json()
    assert [e["action"] for e in detail["audit"]] == ["enqueue", "claim", "decision"]
    assert detail["assessment"]["image_matches"][0]["catalog_image_id"] == 7


def test_escalation_goes_to_the_senior_queue_for_someone_else(client, api_keys, second_moderator,
                                                              senior_moderator, make_flagged):
    item = make_flagged()
    client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    escalated = client.post(f"/v1/review/items/{item}/decision", headers=api_keys.moderator,
                            json={"decision": "escalate", "note": "unsure about the hardware"})
    assert escalated.status_code == 200
    assert escalated.json()["queue"] == "senior"
    assert escalated.json()["status"] == "open"
    senior = client.get("/v1/review/queue", params={"queue": "senior"},
                        headers=second_moderator).json()["items"]
    assert [i["id"] for i in senior] == [item]
    again = client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    assert again.status_code == 403
    assert again.json()["error"]["code"] == "senior_queue"
    junior = client.post(f"/v1/review/items/{item}/claim", headers=second_moderator)
    assert junior.status_code == 403
    assert junior.json()["error"]["code"] == "senior_queue"
    claimed = client.post(f"/v1/review/items/{item}/claim", headers=senior_moderator)
    assert claimed.status_code == 200
    decided = client.post(f"/v1/review/items/{item}/decision", headers=senior_moderator,
                          json={"decision": "approve", "note": "genuine hardware"})
    assert decided.status_code == 200
    assert decided.json()["status"] == "decided"


def test_bulk_decisions_succeed_or_fail_per_item(client, api_keys, make_flagged):
    mine = [make_flagged() for _ in range(2)]
    unclaimed = make_flagged()
    for item in mine:
        client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    body = {"items": [{"item_id": i, "decision": "approve"} for i in [*mine, unclaimed, 999_999]]}
    response = client.post("/v1/review/decisions", json=body, headers=api_keys.moderator)
    assert response.status_code == 200
    data = response.json()
    assert (data["succeeded"], data["failed"]) == (2, 2)
    errors = {r["item_id"]: r["error"]["code"] for r in data["results"] if not r["ok"]}
    assert errors == {unclaimed: "not_lease_holder", 999_999: "item_not_found"}
    too_many = {"items": [{"item_id": 1, "decision": "approve"}] * 101}
    assert client.post("/v1/review/decisions", json=too_many,
                       headers=api_keys.moderator).status_code == 422


def test_remove_as_counterfeit_is_recorded_against_the_seller(client, api_keys, make_flagged):
    item = make_flagged(seller="seller-77")
    client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    client.post(f"/v1/review/items/{item}/decision", headers=api_keys.moderator,
                json={"decision": "remove", "reason_codes": ["counterfeit"]})
    reputation = client.get("/v1/sellers/seller-77/reputation", headers=api_keys.platform)
    assert reputation.status_code == 200
    assert reputation.json()["confirmed_counterfeits"] == 1


def test_roles_are_enforced(client, api_keys, make_flagged):
    item = make_flagged()
    assert client.get("/v1/review/queue", headers=api_keys.platform).status_code == 403
    assert client.post(f"/v1/review/items/{item}/claim",
                       headers=api_keys.platform).status_code == 403
    assert client.get("/v1/review/audit").status_code == 401
    bad = client.post(f"/v1/review/items/{item}/decision", headers=api_keys.moderator,
                      json={"decision": "delete"})
    assert bad.status_code == 422


def test_an_open_item_is_withdrawn_when_a_newer_assessment_no_longer_flags_it(
        client, api_keys, make_flagged, session_factory) -> None:
    item_id = make_flagged()
    assert client.post(f"/v1/review/items/{item_id}/claim",
                       headers=api_keys.moderator).status_code == 200

    def new_version(version: int, decision: str, risk: float) -> None:
        with session_factory() as session:
            item = session.get(ReviewItem, item_id)
            listing = session.get(Listing, item.listing_pk)
            assessment = ListingAssessment(
                listing_pk=listing.id, version=version, content_hash=f"{version:064d}",
                risk=risk, level="low" if decision == "allow" else "high", decision=decision,
                brand=None, reason_codes=[], result={"risk": risk})
            session.add(assessment)
            session.flush()
            review.enqueue(session, listing, assessment, utcnow())
            session.commit()

    new_version(2, "allow", 0.05)
    queue = client.get("/v1/review/queue", headers=api_keys.moderator).json()["items"]
    assert item_id not in [i["id"] for i in queue]
    detail = client.get(f"/v1/review/items/{item_id}", headers=api_keys.moderator).json()
    assert detail["status"] == "withdrawn"
    assert detail["audit"][-1]["action"] == "withdraw"
    late = client.post(f"/v1/review/items/{item_id}/decision", headers=api_keys.moderator,
                       json={"decision": "remove", "reason_codes": ["counterfeit"]})
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "item_closed"

    new_version(3, "block", 0.97)  # flagged again: the same item is open work again
    queue = client.get("/v1/review/queue", headers=api_keys.moderator).json()["items"]
    assert item_id in [i["id"] for i in queue]
